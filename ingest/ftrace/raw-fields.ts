// The raw fields libtraceevent prints when it cannot evaluate an event's print fmt
// (`[FAILED TO PARSE] device=0000:00:1f.2 full_nents=1 … phys_addrs=ARRAY[c0, e8, bd, 06, 00, 00, 00, 00] dir=2 attrs=0x0`):
// every non-common field of the format in order, numbers in decimal (hex with 0x for longs and
// pointers), strings as they are, other arrays as their bytes in the file's byte order
// (libtraceevent event-parse.c tep_print_field). The format says where each value ends (a string
// may hold spaces) and how wide an array's elements are.
import { type EventFormat, type FormatField } from './event-format.js';
import { type FieldReader } from './field-reader.js';

export const FAILED_TO_PARSE = '[FAILED TO PARSE]';

const U64 = (1n << 64n) - 1n;

function numberOf(raw: string): bigint | null {
  const s = raw.trim();
  if (/^0[xX][0-9a-fA-F]{1,16}$/.test(s)) return BigInt(s);
  if (/^-?[0-9]{1,20}$/.test(s)) {
    const v = BigInt(s);
    return v < 0n ? v & U64 : v <= U64 ? v : null;
  }
  return null;
}

/** ARRAY[c0, e8, …] → elements of `size` bytes, little-endian (the byte order of x86 and arm64 traces) */
function arrayOf(raw: string, size: number): bigint[] | null {
  const m = /^ARRAY\[([0-9a-fA-F, ]*)\]$/.exec(raw.trim());
  if (!m) return null;
  const bytes = m[1].trim() === '' ? [] : m[1].split(',').map((b) => parseInt(b.trim(), 16));
  if (size <= 0 || bytes.length % size !== 0 || bytes.some((b) => !(b >= 0 && b <= 255))) return null;
  const out: bigint[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    let v = 0n;
    for (let j = size - 1; j >= 0; j--) v = (v << 8n) | BigInt(bytes[i + j]);
    out.push(v);
  }
  return out;
}

export class RawFieldReader implements FieldReader {
  private readonly values = new Map<string, string>();
  private readonly fields = new Map<string, FormatField>();

  /** `body` is the text after `[FAILED TO PARSE]` */
  constructor(readonly format: EventFormat, body: string) {
    const fs = format.fields;
    for (const f of fs) this.fields.set(f.name, f);
    let at = 0;
    for (let i = 0; i < fs.length; i++) {
      const key = fs[i].name + '=';
      const start = body.startsWith(key, at) ? at : body.indexOf(' ' + key, at) + 1;
      if (start <= 0 && !body.startsWith(key, 0)) continue;
      const vStart = start + key.length;
      const next = i + 1 < fs.length ? body.indexOf(' ' + fs[i + 1].name + '=', vStart) : -1;
      const vEnd = next < 0 ? body.length : next;
      this.values.set(fs[i].name, body.slice(vStart, vEnd));
      at = next < 0 ? body.length : next + 1;
    }
  }

  num(name: string): bigint | null {
    const raw = this.values.get(name);
    return raw === undefined ? null : numberOf(raw);
  }

  str(name: string): string | null {
    return this.values.get(name) ?? null;
  }

  array(name: string): bigint[] | null {
    const raw = this.values.get(name);
    const f = this.fields.get(name);
    return raw === undefined || !f ? null : arrayOf(raw, f.elementSize);
  }
}
