// Byte streams for compact checkpoints: LEB128 varints (zigzag for signed values), 64-bit
// addresses as two 32-bit halves, strings through a dictionary. A checkpoint is mostly small
// integers (pfns as deltas, counts, seqs), so this is a few bytes a value and decodes without
// building any intermediate object.

/** A value the compact encoding cannot hold exactly; the slice falls back to msgpack. */
export class NotEncodable extends Error {}

const TWO32 = 2 ** 32;
/** zigzag doubles a value: keep |v| below 2^52 so the doubled value stays exact */
const INT_LIMIT = 2 ** 52;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const U64_END = 1n << 64n;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private pos = 0;
  private readonly dict = new Map<string, number>();

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  /** an unsigned integer below 2^53 */
  uint(v: number): void {
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new NotEncodable(`not an unsigned integer: ${v}`);
    this.room(8);
    const b = this.buf;
    let p = this.pos;
    while (v >= 0x80000000) {
      b[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    while (v > 0x7f) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /** a signed integer, |v| < 2^52 */
  int(v: number): void {
    if (!(Number.isInteger(v) && v > -INT_LIMIT && v < INT_LIMIT)) throw new NotEncodable(`not a small integer: ${v}`);
    this.uint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** a signed integer or null */
  optInt(v: number | null): void {
    if (v === null) this.uint(0);
    else {
      if (!(Number.isInteger(v) && v > -INT_LIMIT && v < INT_LIMIT)) throw new NotEncodable(`not a small integer: ${v}`);
      this.uint((v >= 0 ? v * 2 : -v * 2 - 1) + 1);
    }
  }

  /** a 64-bit unsigned value: high half, then low half */
  u64(v: bigint): void {
    if (typeof v !== 'bigint' || v < 0n || v >= U64_END) throw new NotEncodable(`not a 64-bit unsigned value: ${String(v)}`);
    if (v <= SAFE) {
      const n = Number(v);
      const lo = n % TWO32;
      this.uint((n - lo) / TWO32);
      this.uint(lo);
    } else {
      this.uint(Number(v >> 32n));
      this.uint(Number(v & 0xffffffffn));
    }
  }

  optU64(v: bigint | null): void {
    this.byte(v === null ? 0 : 1);
    if (v !== null) this.u64(v);
  }

  byte(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  /** a string or null: 0 null, 1 a new string follows, k + 2 the k-th string seen */
  optStr(s: string | null): void {
    if (s === null) return this.uint(0);
    if (typeof s !== 'string') throw new NotEncodable(`not a string: ${String(s)}`);
    const k = this.dict.get(s);
    if (k !== undefined) return this.uint(k + 2);
    this.dict.set(s, this.dict.size);
    const b = utf8.encode(s);
    this.uint(1);
    this.uint(b.length);
    this.bytes(b);
  }

  str(s: string): void {
    if (typeof s !== 'string') throw new NotEncodable(`not a string: ${String(s)}`);
    this.optStr(s);
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  get length(): number {
    return this.pos;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export class ByteReader {
  private pos: number;
  private strings: string[] = [];
  /** a fork's strings are its parent's, already complete: a new string read again is not added */
  private forked = false;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /**
   * A reader at `start` (a position this reader has passed) that knows every string this one
   * has seen: a value read lazily, long after the pass that skipped it, decodes as it would have.
   */
  fork(start: number): ByteReader {
    const f = new ByteReader(this.buf, start, this.end);
    f.strings = this.strings;
    f.forked = true;
    return f;
  }

  private short(): never {
    throw new Error(`checkpoint data ends early (byte ${this.pos} of ${this.end})`);
  }

  uint(): number {
    const b = this.buf;
    if (this.pos >= this.end) this.short();
    let x = b[this.pos++];
    if (x < 0x80) return x;
    // the first 28 bits in int32 arithmetic, so small values stay small integers (SMIs) for V8
    let v = x & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      if (this.pos >= this.end) this.short();
      x = b[this.pos++];
      v |= (x & 0x7f) << shift;
      if (x < 0x80) return v;
    }
    for (let mul = 0x10000000; mul <= 2 ** 49; mul *= 0x80) {
      if (this.pos >= this.end) this.short();
      x = b[this.pos++];
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
    }
    throw new Error(`checkpoint data: varint too long at byte ${this.pos}`);
  }

  int(): number {
    return unzigzag(this.uint());
  }

  optInt(): number | null {
    const z = this.uint();
    return z === 0 ? null : unzigzag(z - 1);
  }

  u64(): bigint {
    const hi = this.uint();
    const lo = this.uint();
    if (hi >= TWO32 || lo >= TWO32) throw new Error(`checkpoint data: 64-bit value out of range at byte ${this.pos}`);
    return hi < 0x200000 ? BigInt(hi * TWO32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }

  optU64(): bigint | null {
    return this.byte() === 0 ? null : this.u64();
  }

  /** past a u64, checked as u64() checks it, without making the bigint */
  skipU64(): void {
    const hi = this.uint();
    const lo = this.uint();
    if (hi >= TWO32 || lo >= TWO32) throw new Error(`checkpoint data: 64-bit value out of range at byte ${this.pos}`);
  }

  byte(): number {
    if (this.pos >= this.end) this.short();
    return this.buf[this.pos++];
  }

  optStr(): string | null {
    const k = this.uint();
    if (k === 0) return null;
    if (k === 1) {
      const n = this.uint();
      if (this.pos + n > this.end) this.short();
      const s = utf8Decoder.decode(this.buf.subarray(this.pos, this.pos + n));
      this.pos += n;
      if (!this.forked) this.strings.push(s);
      return s;
    }
    if (k - 2 >= this.strings.length) throw new Error(`checkpoint data: unknown string #${k - 2} at byte ${this.pos}`);
    return this.strings[k - 2];
  }

  str(): string {
    const s = this.optStr();
    if (s === null) throw new Error(`checkpoint data: string missing at byte ${this.pos}`);
    return s;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) this.short();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** a count about to drive a loop: never more than the bytes left could hold */
  count(): number {
    const n = this.uint();
    if (n > this.end - this.pos) throw new Error(`checkpoint data: count ${n} exceeds the ${this.end - this.pos} bytes left`);
    return n;
  }

  get done(): boolean {
    return this.pos === this.end;
  }

  get offset(): number {
    return this.pos;
  }
}

/** zigzag back to signed: int32 arithmetic below 2^31 (small integers stay SMIs) */
function unzigzag(z: number): number {
  return z < 0x80000000 ? (z >>> 1) ^ -(z & 1) : z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}
