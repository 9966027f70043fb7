// Field access inside an event body (`key=value` separated by spaces): values straight from the
// text to bigint or number; a problem names the field.

export type FieldResult<T> = { ok: true; value: T } | { ok: false; field: string; problem: string };

/** The raw text after `key=` up to the next space (or the end). */
export function rawField(body: string, key: string): string | null {
  let at = body.indexOf(key + '=');
  while (at > 0 && body.charCodeAt(at - 1) !== 32 && body.charCodeAt(at - 1) !== 58 /* : */) at = body.indexOf(key + '=', at + 1);
  if (at < 0) return null;
  const start = at + key.length + 1;
  const end = body.indexOf(' ', start);
  return end < 0 ? body.slice(start) : body.slice(start, end);
}

const HEX = /^[0-9a-fA-F]{1,16}$/;
const DEC = /^[0-9]{1,20}$/;
const U64_MAX = (1n << 64n) - 1n;

/** hex with or without 0x, to bigint (≤ 64 bits) */
export function hexU64(body: string, key: string, raw = rawField(body, key)): FieldResult<bigint> {
  if (raw === null) return { ok: false, field: key, problem: 'missing' };
  const s = raw.startsWith('0x') || raw.startsWith('0X') ? raw.slice(2) : raw;
  if (!HEX.test(s)) return { ok: false, field: key, problem: `not a 64-bit hex value: ${JSON.stringify(raw.slice(0, 24))}` };
  return { ok: true, value: BigInt('0x' + s) };
}

export function decU64(body: string, key: string, raw = rawField(body, key)): FieldResult<bigint> {
  if (raw === null) return { ok: false, field: key, problem: 'missing' };
  if (!DEC.test(raw)) return { ok: false, field: key, problem: `not a decimal size: ${JSON.stringify(raw.slice(0, 24))}` };
  const v = BigInt(raw);
  if (v > U64_MAX) return { ok: false, field: key, problem: `${raw} does not fit in 64 bits` };
  return { ok: true, value: v };
}

export function decInt(body: string, key: string, raw = rawField(body, key)): FieldResult<number> {
  if (raw === null) return { ok: false, field: key, problem: 'missing' };
  if (!/^-?[0-9]{1,15}$/.test(raw)) return { ok: false, field: key, problem: `not an integer: ${JSON.stringify(raw.slice(0, 24))}` };
  return { ok: true, value: Number(raw) };
}

export function str(body: string, key: string): FieldResult<string> {
  const raw = rawField(body, key);
  if (raw === null || raw === '') return { ok: false, field: key, problem: 'missing' };
  return { ok: true, value: raw };
}

/** `{0x1,0x2}` arrays of the dma:* events, as bigints */
export function hexArray(body: string, key: string): FieldResult<bigint[]> {
  const raw = rawField(body, key);
  if (raw === null) return { ok: false, field: key, problem: 'missing' };
  if (!raw.startsWith('{') || !raw.endsWith('}')) return { ok: false, field: key, problem: `not a {…} list: ${JSON.stringify(raw.slice(0, 24))}` };
  const inner = raw.slice(1, -1);
  if (inner === '') return { ok: true, value: [] };
  const out: bigint[] = [];
  for (const p of inner.split(',')) {
    const r = hexU64(p, '', p);
    if (!r.ok) return { ok: false, field: key, problem: `bad entry ${JSON.stringify(p.slice(0, 24))}` };
    out.push(r.value);
  }
  return { ok: true, value: out };
}
