// A trace.dat that cannot be read further: where, and what was expected there. An InputError, so
// the CLI reports it without a stack trace; the events read before it stay imported.
import { InputError } from '../../domain-events/index.js';

export class TraceDatError extends InputError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly expected: string,
    found?: string,
  ) {
    super(`${file}: trace.dat unreadable at offset ${offset}: expected ${expected}${found ? `, found ${found}` : ''}`);
  }
}
