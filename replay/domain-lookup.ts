// "No such domain" is one answer with one wording, whoever asks: `state --domain` on the command
// line and the page's API (which answers 404 with it).
import { InputError } from '../domain-events/index.js';
import { domainIds } from '../projections/index.js';
import { type State } from '../reducers/index.js';

/** An InputError for something asked for by name that is not there (the API's 404). */
export class NotFoundError extends InputError {
  readonly notFound = true;
}

export function isNotFound(e: unknown): e is NotFoundError {
  return e instanceof Error && (e as { notFound?: boolean }).notFound === true;
}

/** Throws NotFoundError when domain `id` is unknown in the state after event `seq`. */
export function requireDomain(s: State, id: number, seq: number): void {
  const ids = domainIds(s);
  if (ids.includes(id)) return;
  const when = seq < 0 ? 'before the first event' : `at event #${seq}`;
  const known = ids.length === 0 ? 'none yet' : ids.length <= 12 ? ids.join(', ') : `${ids.slice(0, 12).join(', ')}, … (${ids.length})`;
  throw new NotFoundError(`domain ${id}: no such domain ${when} (domains: ${known})`);
}
