// A MessagePack writer that produces the very bytes msgpackr's Packr writes with the options the
// codec uses (useRecords: false, no bundled strings, no structured clone, undefined as fixext),
// for the values a block holds: numbers, bigints, strings, booleans, null, arrays and plain
// objects. The block codec writes its columns through it straight from the events, without the
// intermediate column arrays and objects msgpackr needs (that was most of encoding), and any
// msgpack reader (msgpackr's unpack included) reads them as before.
// Byte-for-byte agreement with msgpackr is a test (msgpack-writer.test.ts).

const U64_LIMIT = 1n << 64n;
const I64_MIN = -(1n << 63n);
const I64_LIMIT = 1n << 63n;

export class MsgpackWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Starts a new message in the same buffer. */
  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since reset() (a view of the writer's buffer: copy or use before the next reset). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  nil(): void {
    this.room(1);
    this.buf[this.pos++] = 0xc0;
  }

  bool(b: boolean): void {
    this.room(1);
    this.buf[this.pos++] = b ? 0xc3 : 0xc2;
  }

  /** msgpackr's rules: the smallest integer form up to 32 bits, else a float64 (so are large safe integers). */
  num(value: number): void {
    this.room(9);
    const buf = this.buf;
    if (value >>> 0 === value) {
      if (value < 0x80) buf[this.pos++] = value;
      else if (value < 0x100) {
        buf[this.pos++] = 0xcc;
        buf[this.pos++] = value;
      } else if (value < 0x10000) {
        buf[this.pos++] = 0xcd;
        buf[this.pos++] = value >> 8;
        buf[this.pos++] = value & 0xff;
      } else {
        buf[this.pos++] = 0xce;
        this.view.setUint32(this.pos, value);
        this.pos += 4;
      }
    } else if (value >> 0 === value) {
      if (value >= -0x20) buf[this.pos++] = 0x100 + value;
      else if (value >= -0x80) {
        buf[this.pos++] = 0xd0;
        buf[this.pos++] = value + 0x100;
      } else if (value >= -0x8000) {
        buf[this.pos++] = 0xd1;
        this.view.setInt16(this.pos, value);
        this.pos += 2;
      } else {
        buf[this.pos++] = 0xd2;
        this.view.setInt32(this.pos, value);
        this.pos += 4;
      }
    } else {
      buf[this.pos++] = 0xcb;
      this.view.setFloat64(this.pos, value);
      this.pos += 8;
    }
  }

  /** int64 when it fits, else uint64 (msgpackr's order); anything wider is refused as msgpackr refuses it. */
  bigint(value: bigint): void {
    this.room(9);
    if (value < I64_LIMIT && value >= I64_MIN) {
      this.buf[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, value);
    } else if (value < U64_LIMIT && value > 0n) {
      this.buf[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, value);
    } else throw new RangeError(`${value} was too large to fit in MessagePack 64-bit integer format`);
    this.pos += 8;
  }

  str(value: string): void {
    const n = value.length;
    // msgpackr encodes strings of 64 UTF-16 units or more with Buffer's utf8Write (a lone
    // surrogate becomes U+FFFD) and shorter ones by hand (a lone surrogate as three bytes)
    if (n >= 0x40) return this.longStr(value);
    this.room(2 + n * 3);
    const buf = this.buf;
    const head = n < 0x20 ? 1 : 2;
    let at = this.pos + head;
    for (let i = 0; i < n; i++) {
      let c1 = value.charCodeAt(i);
      if (c1 < 0x80) buf[at++] = c1;
      else if (c1 < 0x800) {
        buf[at++] = (c1 >> 6) | 0xc0;
        buf[at++] = (c1 & 0x3f) | 0x80;
      } else {
        let c2: number;
        if ((c1 & 0xfc00) === 0xd800 && ((c2 = value.charCodeAt(i + 1)) & 0xfc00) === 0xdc00) {
          c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
          i++;
          buf[at++] = (c1 >> 18) | 0xf0;
          buf[at++] = ((c1 >> 12) & 0x3f) | 0x80;
          buf[at++] = ((c1 >> 6) & 0x3f) | 0x80;
          buf[at++] = (c1 & 0x3f) | 0x80;
        } else {
          buf[at++] = (c1 >> 12) | 0xe0;
          buf[at++] = ((c1 >> 6) & 0x3f) | 0x80;
          buf[at++] = (c1 & 0x3f) | 0x80;
        }
      }
    }
    const length = at - this.pos - head;
    if (length < 0x20) {
      // a short string whose bytes fit a fixstr after all
      if (head === 2) buf.copyWithin(this.pos + 1, this.pos + 2, at);
      buf[this.pos] = 0xa0 | length;
      this.pos += 1 + length;
    } else {
      if (head === 1) buf.copyWithin(this.pos + 2, this.pos + 1, at);
      buf[this.pos] = 0xd9;
      buf[this.pos + 1] = length;
      this.pos += 2 + length;
    }
  }

  private longStr(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    const length = bytes.length;
    this.room(5 + length);
    const buf = this.buf;
    if (length < 0x20) buf[this.pos++] = 0xa0 | length;
    else if (length < 0x100) {
      buf[this.pos++] = 0xd9;
      buf[this.pos++] = length;
    } else if (length < 0x10000) {
      buf[this.pos++] = 0xda;
      buf[this.pos++] = length >> 8;
      buf[this.pos++] = length & 0xff;
    } else {
      buf[this.pos++] = 0xdb;
      this.view.setUint32(this.pos, length);
      this.pos += 4;
    }
    buf.set(bytes, this.pos);
    this.pos += length;
  }

  arrayHead(length: number): void {
    this.room(5);
    const buf = this.buf;
    if (length < 0x10) buf[this.pos++] = 0x90 | length;
    else if (length < 0x10000) {
      buf[this.pos++] = 0xdc;
      buf[this.pos++] = length >> 8;
      buf[this.pos++] = length & 0xff;
    } else {
      buf[this.pos++] = 0xdd;
      this.view.setUint32(this.pos, length);
      this.pos += 4;
    }
  }

  /** msgpackr writes every plain object as a map16, whatever its size. */
  mapHead(size: number): void {
    if (size > 0xffff) throw new Error('Object is too large to serialize with fast 16-bit map size');
    this.room(3);
    this.buf[this.pos++] = 0xde;
    this.buf[this.pos++] = size >> 8;
    this.buf[this.pos++] = size & 0xff;
  }

  /** Any value a block may hold, as msgpackr's pack writes it. */
  value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        return this.num(v);
      case 'string':
        return this.str(v);
      case 'bigint':
        return this.bigint(v);
      case 'boolean':
        return this.bool(v);
      case 'undefined':
        this.room(3);
        this.buf[this.pos++] = 0xd4;
        this.buf[this.pos++] = 0;
        this.buf[this.pos++] = 0;
        return;
      case 'object':
        if (v === null) return this.nil();
        if (Array.isArray(v) && v.constructor === Array) {
          this.arrayHead(v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i]);
          return;
        }
        // a plain object, or one without a prototype (msgpackr writes both as a map)
        if (v.constructor === Object || Object.getPrototypeOf(v) === null) return this.object(v as Record<string, unknown>);
        break;
    }
    throw new Error(`cannot write a ${typeof v === 'object' ? ((v as object).constructor?.name ?? 'object') : typeof v} into a block`);
  }

  private object(o: Record<string, unknown>): void {
    this.room(3);
    this.buf[this.pos] = 0xde;
    const at = this.pos + 1;
    this.pos += 3;
    let size = 0;
    for (const key in o) {
      if (!Object.hasOwn(o, key)) continue;
      this.str(key);
      this.value(o[key]);
      size++;
    }
    if (size > 0xffff) throw new Error('Object is too large to serialize with fast 16-bit map size');
    this.buf[at] = size >> 8;
    this.buf[at + 1] = size & 0xff;
  }
}
