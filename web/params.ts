// Query parameters of the API, checked: a missing, malformed or absurd value is an InputError
// naming the parameter (the server answers 400), never a NaN that reaches a loop.
import { InputError } from '../domain-events/index.js';

export class Params {
  constructor(private readonly q: URLSearchParams) {}

  has(name: string): boolean {
    return this.q.has(name);
  }

  int(name: string, opts: { min?: number; max?: number; def?: number } = {}): number {
    const raw = this.q.get(name);
    if (raw === null || raw === '') {
      if (opts.def !== undefined) return opts.def;
      throw new InputError(`${name}: missing`);
    }
    if (!/^-?(\d+|0x[0-9a-f]+)$/i.test(raw)) throw new InputError(`${name}=${raw.slice(0, 40)}: not an integer`);
    const v = raw.replace(/^-/, '').toLowerCase().startsWith('0x') ? Number.parseInt(raw.replace(/^-/, ''), 16) * (raw.startsWith('-') ? -1 : 1) : Number(raw);
    if (!Number.isSafeInteger(v)) throw new InputError(`${name}=${raw.slice(0, 40)}: too large`);
    if (opts.min !== undefined && v < opts.min) throw new InputError(`${name}=${v}: below ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) throw new InputError(`${name}=${v}: above ${opts.max}`);
    return v;
  }

  /** a 64-bit address, hex ("0x…") or decimal, kept exact */
  u64(name: string): bigint {
    const raw = this.q.get(name);
    if (raw === null || raw === '') throw new InputError(`${name}: missing`);
    if (!/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(raw)) throw new InputError(`${name}=${raw.slice(0, 40)}: not a 64-bit address`);
    const v = BigInt(raw);
    if (v >= 1n << 64n) throw new InputError(`${name}=${raw}: above 2^64`);
    return v;
  }

  oneOf<T extends string>(name: string, values: readonly T[], def?: T): T {
    const raw = this.q.get(name);
    if (raw === null || raw === '') {
      if (def !== undefined) return def;
      throw new InputError(`${name}: missing`);
    }
    if (!(values as readonly string[]).includes(raw)) throw new InputError(`${name}=${raw.slice(0, 40)}: expected one of ${values.join(', ')}`);
    return raw as T;
  }
}
