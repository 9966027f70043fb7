// Field access inside an event body (`key=value` separated by spaces), read in the line's bytes:
// values go straight from the bytes to bigint or number (no string, no result object); a value
// that is not what the field holds gives a FieldProblem naming the field.
import { ascii, type Interner, utf8 } from '../bytes.js';

/** What is wrong with one field of a line (the line is reported and skipped). */
export class FieldProblem {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {}
}

/** A field name and the bytes `name=` it is found by. */
export interface FieldKey {
  readonly name: string;
  readonly eq: Uint8Array;
}

export function fieldKey(name: string): FieldKey {
  return { name, eq: ascii(name + '=') };
}

const U64_MAX = (1n << 64n) - 1n;

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** the number the text [start, end) writes in hex: 1 to 16 digits after an optional 0x, else null */
export function hexValue(b: Buffer, start: number, end: number): bigint | null {
  if (end - start >= 2 && b[start] === 48 && (b[start + 1] === 120 || b[start + 1] === 88)) start += 2;
  const n = end - start;
  if (n < 1 || n > 16) return null;
  let v = 0;
  let lead = start;
  while (lead < end - 1 && b[lead] === 48) lead++;
  for (let i = start; i < end; i++) {
    const d = hexDigit(b[i]);
    if (d < 0) return null;
    v = v * 16 + d;
  }
  // 13 hex digits stay below 2^52: the double holds the value exactly
  return end - lead <= 13 ? BigInt(v) : BigInt('0x' + b.toString('latin1', start, end));
}

/** the number the text [start, end) writes in decimal: 1 to 20 digits, at most 2^64 - 1, else null */
export function decValue(b: Buffer, start: number, end: number): bigint | null {
  const n = end - start;
  if (n < 1 || n > 20) return null;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (n <= 15) return BigInt(v);
  const big = BigInt(b.toString('latin1', start, end));
  return big <= U64_MAX ? big : null;
}

/** /^-?[0-9]{1,15}$/ as a number, else null */
function intValue(b: Buffer, start: number, end: number): number | null {
  const neg = end > start && b[start] === 45;
  const from = neg ? start + 1 : start;
  if (end - from < 1 || end - from > 15) return null;
  let v = 0;
  for (let i = from; i < end; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/**
 * The `key=value` fields of one event body, bound to a line in turn: `find` locates a field as
 * the kernel's print fmt writes it (`key=` at the start, or after a space or a colon; the first
 * such), the typed readers convert its value.
 */
export class BodyFields {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  /** the value of the field last found: [vs, ve) */
  vs = 0;
  ve = 0;

  bind(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.start = start;
    this.end = end;
    return this;
  }

  get text(): string {
    return utf8(this.buf, this.start, this.end);
  }

  /** the value's text, for messages */
  private valueText(max = 24): string {
    return JSON.stringify(utf8(this.buf, this.vs, this.ve).slice(0, max));
  }

  find(key: FieldKey): boolean {
    const b = this.buf;
    const eq = key.eq;
    const n = eq.length;
    const first = eq[0];
    outer: for (let i = this.start; i + n <= this.end; i++) {
      if (b[i] !== first) continue;
      for (let k = 1; k < n; k++) if (b[i + k] !== eq[k]) continue outer;
      if (i > this.start && b[i - 1] !== 32 && b[i - 1] !== 58) continue;
      this.vs = i + n;
      let e = this.vs;
      while (e < this.end && b[e] !== 32) e++;
      this.ve = e;
      return true;
    }
    return false;
  }

  /** the value as text (null when absent; '' when empty) */
  raw(key: FieldKey, intern?: Interner): string | null {
    if (!this.find(key)) return null;
    return intern ? intern.get(this.buf, this.vs, this.ve) : utf8(this.buf, this.vs, this.ve);
  }

  /** hex with or without 0x, to bigint (≤ 64 bits) */
  hex(key: FieldKey): bigint | FieldProblem {
    if (!this.find(key)) return new FieldProblem(key.name, 'missing');
    return hexValue(this.buf, this.vs, this.ve) ?? new FieldProblem(key.name, `not a 64-bit hex value: ${this.valueText()}`);
  }

  dec(key: FieldKey): bigint | FieldProblem {
    if (!this.find(key)) return new FieldProblem(key.name, 'missing');
    const v = decValue(this.buf, this.vs, this.ve);
    if (v !== null) return v;
    const n = this.ve - this.vs;
    let digits = n >= 1 && n <= 20;
    for (let i = this.vs; digits && i < this.ve; i++) digits = this.buf[i] >= 48 && this.buf[i] <= 57;
    if (!digits) return new FieldProblem(key.name, `not a decimal size: ${this.valueText()}`);
    return new FieldProblem(key.name, `${utf8(this.buf, this.vs, this.ve)} does not fit in 64 bits`);
  }

  int(key: FieldKey): number | FieldProblem {
    if (!this.find(key)) return new FieldProblem(key.name, 'missing');
    return intValue(this.buf, this.vs, this.ve) ?? new FieldProblem(key.name, `not an integer: ${this.valueText()}`);
  }

  /** a non-empty value */
  str(key: FieldKey, intern?: Interner): string | FieldProblem {
    const v = this.raw(key, intern);
    return v === null || v === '' ? new FieldProblem(key.name, 'missing') : v;
  }

  /** `A/B` counts (dma_map_sg nents=2/2): null when absent, empty or not two integers */
  counts(key: FieldKey): { n: number; total: number } | null {
    if (!this.find(key) || this.ve === this.vs) return null;
    const b = this.buf;
    let slash = this.vs;
    while (slash < this.ve && b[slash] !== 47) slash++;
    let bEnd = slash + 1;
    while (bEnd < this.ve && b[bEnd] !== 47) bEnd++;
    const n = intValue(b, this.vs, slash);
    const total = slash < this.ve ? intValue(b, slash + 1, bEnd) : null;
    return n !== null && total !== null ? { n, total } : null;
  }

  /** `{0x1,0x2}` arrays of the dma:* events, as bigints */
  hexArray(key: FieldKey): bigint[] | FieldProblem {
    if (!this.find(key)) return new FieldProblem(key.name, 'missing');
    const b = this.buf;
    const { vs, ve } = this;
    if (ve - vs < 1 || b[vs] !== 123 /* { */ || b[ve - 1] !== 125 /* } */ || ve - vs === 1) return new FieldProblem(key.name, `not a {…} list: ${this.valueText()}`);
    const out: bigint[] = [];
    if (ve - vs === 2) return out;
    for (let p = vs + 1; ; ) {
      let q = p;
      while (q < ve - 1 && b[q] !== 44 /* , */) q++;
      const v = hexValue(b, p, q);
      if (v === null) return new FieldProblem(key.name, `bad entry ${JSON.stringify(utf8(b, p, q).slice(0, 24))}`);
      out.push(v);
      if (q >= ve - 1) return out;
      p = q + 1;
    }
  }
}
