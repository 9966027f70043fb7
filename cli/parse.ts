// Argument values a user types: sequence numbers, addresses, ranges. Bad ones are InputErrors
// that say which option and what was wrong.
import { InputError } from '../domain-events/index.js';

export function parseIntArg(value: string, what: string, min = 0): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InputError(`${what}: expected an integer, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InputError(`${what}: ${value} is out of range (>= ${min})`);
  return n;
}

export function parseAddress(value: string, what: string): bigint {
  const v = value.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-fA-F]{1,16}|\d{1,20})$/.test(v)) throw new InputError(`${what}: expected an address like 0xfffff000, got ${JSON.stringify(value)}`);
  const b = BigInt(v);
  if (b >= 1n << 64n) throw new InputError(`${what}: ${value} does not fit in 64 bits`);
  return b;
}

/** "0x1000-0x2000" (end exclusive), "0x1000+0x1000", or a single address (one byte). */
export function parseRange(value: string, what: string): { lo: bigint; hi: bigint } {
  const plus = value.split('+');
  if (plus.length === 2) {
    const lo = parseAddress(plus[0], what);
    return { lo, hi: lo + parseAddress(plus[1], what) };
  }
  const dash = value.split('-');
  if (dash.length === 2) {
    const lo = parseAddress(dash[0], what);
    const hi = parseAddress(dash[1], what);
    if (hi <= lo) throw new InputError(`${what}: range end ${dash[1]} is not above its start ${dash[0]}`);
    return { lo, hi };
  }
  const a = parseAddress(value, what);
  return { lo: a, hi: a + 1n };
}
