// The fields of one binary record, read through its event format (offsets, sizes, __data_loc /
// __rel_loc, array element sizes) in the file's byte order. One reader per format, bound to each
// record in turn: no object per field.
import { Interner } from '../bytes.js';
import { type EventFormat, type FormatField } from '../ftrace/event-format.js';
import { type FieldReader } from '../ftrace/field-reader.js';

const U64 = (1n << 64n) - 1n;

/** short strings by their bytes: device names repeat in every record */
const interned = new Interner();

/** bytes as text up to the first NUL; short ASCII strings (device names) are interned, not built per record */
export function cString(bytes: Uint8Array, start: number, end: number): string {
  let e = start;
  while (e < end && bytes[e] !== 0) e++;
  return interned.get(bytes, start, e);
}

export class RecordFields implements FieldReader {
  private readonly byName = new Map<string, FormatField>();
  private bytes: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private base = 0;
  private len = 0;

  constructor(
    readonly format: EventFormat,
    private readonly le: boolean,
  ) {
    for (const f of format.fields) this.byName.set(f.name, f);
  }

  bind(bytes: Uint8Array, view: DataView, base: number, len: number): this {
    this.bytes = bytes;
    this.view = view;
    this.base = base;
    this.len = len;
    return this;
  }

  private scalar(at: number, size: number, signed: boolean): bigint | null {
    if (at < 0 || at + size > this.len) return null;
    const v = this.view;
    const p = this.base + at;
    if (size === 8) return v.getBigUint64(p, this.le);
    const n = size === 4 ? (signed ? v.getInt32(p, this.le) : v.getUint32(p, this.le)) : size === 2 ? (signed ? v.getInt16(p, this.le) : v.getUint16(p, this.le)) : size === 1 ? (signed ? v.getInt8(p) : v.getUint8(p)) : NaN;
    if (Number.isNaN(n)) return null;
    // a negative value as the unsigned 64-bit the kernel would print with %llx
    return n < 0 ? BigInt(n) & U64 : BigInt(n);
  }

  num(name: string): bigint | null {
    const f = this.byName.get(name);
    return f && f.loc === 'fixed' && f.arrayLen === null ? this.scalar(f.offset, f.size, f.signed) : null;
  }

  /** where span() found the field: [spanStart, spanEnd) of the record (no tuple per call) */
  private spanStart = 0;
  private spanEnd = 0;

  /** finds an array or string field's bytes within the record; false when they are not inside it */
  private span(f: FormatField): boolean {
    if (f.loc === 'fixed') {
      const end = f.arrayLen === 0 ? this.len : f.offset + f.size;
      if (f.offset > this.len || end > this.len) return false;
      this.spanStart = f.offset;
      this.spanEnd = end;
      return true;
    }
    if (f.offset + 4 > this.len) return false;
    const word = this.view.getUint32(this.base + f.offset, this.le);
    // __rel_loc offsets count from the end of the field itself (trace_events.h, 5.19+)
    const start = (word & 0xffff) + (f.loc === 'rel_loc' ? f.offset + f.size : 0);
    const end = start + (word >>> 16);
    if (end > this.len) return false;
    this.spanStart = start;
    this.spanEnd = end;
    return true;
  }

  str(name: string): string | null {
    const f = this.byName.get(name);
    return f && this.span(f) ? cString(this.bytes, this.base + this.spanStart, this.base + this.spanEnd) : null;
  }

  array(name: string): bigint[] | null {
    const f = this.byName.get(name);
    if (!f || !this.span(f)) return null;
    const out: bigint[] = [];
    const size = f.elementSize;
    const end = this.spanEnd;
    for (let at = this.spanStart; at + size <= end; at += size) out.push(this.scalar(at, size, false)!);
    return out;
  }
}
