// Streams a text file (plain or gzip) as batches of lines with their 1-based numbers, in
// bounded memory and time linear in the bytes read: one read buffer, the line offsets of one
// chunk, and at most one line's worth of pending bytes. "\n", "\r\n" and a lone "\r" each end a
// line. Lines stay bytes (offsets into the chunk read): a reader tokenizes them where they are,
// and a line becomes a string only when asked (`lines`). A line longer than `maxLine` characters
// (no ftrace line comes near 1 MiB) is not kept: its number and length are reported, its text
// dropped as it streams past.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../domain-events/index.js';
import { utf8 } from './bytes.js';

export const MAX_LINE = 1 << 20;

export interface LongLine {
  readonly line: number;
  /** characters in the line (at least maxLine + 1) */
  readonly length: number;
}

/** A batch's lines as bytes: line k is buf[starts[k], ends[k]), without its line end. */
export interface LineBytes {
  readonly buf: Buffer;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

export interface LineBatch {
  /** number of the first line in `lines` */
  readonly first: number;
  /** the lines; a line too long to keep is '' here and named in `long` */
  readonly lines: readonly string[];
  /** bytes of the source consumed so far (compressed bytes for .gz) */
  readonly bytes: number;
  readonly long?: readonly LongLine[];
  /** the same lines as bytes (a too-long line is empty); a batch made of strings has none */
  readonly text?: LineBytes;
}

/** A batch read from a file: its lines are decoded into strings only if someone asks for them. */
class ReadBatch implements LineBatch {
  private decoded: string[] | null = null;

  constructor(
    readonly first: number,
    readonly text: LineBytes,
    readonly bytes: number,
    readonly long: readonly LongLine[] | undefined,
  ) {}

  get lines(): readonly string[] {
    if (this.decoded === null) {
      const { buf, starts, ends } = this.text;
      const out = new Array<string>(starts.length);
      for (let k = 0; k < starts.length; k++) out[k] = utf8(buf, starts[k], ends[k]);
      this.decoded = out;
    }
    return this.decoded;
  }
}

/** The bytes of a batch made of strings (a test's, a filter's): line k at [starts[k], ends[k]). */
export function lineBytes(lines: readonly string[]): LineBytes {
  const parts: Buffer[] = [];
  const starts = new Int32Array(lines.length);
  const ends = new Int32Array(lines.length);
  let at = 0;
  for (let k = 0; k < lines.length; k++) {
    const b = Buffer.from(lines[k], 'utf8');
    parts.push(b);
    starts[k] = at;
    at += b.length;
    ends[k] = at;
  }
  return { buf: Buffer.concat(parts, at), starts, ends };
}

function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** the first "\n" or "\r" in [from, end), or -1 */
function lineEnd(b: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = b[i];
    if (c === 10 || c === 13) return i;
  }
  return -1;
}

/**
 * The line begun in an earlier chunk. Its pieces are kept while it could still be a trace line:
 * up to 3 × maxLine bytes, since a UTF-16 character takes at most 3 UTF-8 bytes (an invalid byte
 * decodes to one U+FFFD). Past that it is too long whatever it holds, and only its characters
 * are counted as it streams by.
 */
class Pending {
  pieces: Buffer[] = [];
  bytes = 0;
  /** set once the line is too long to keep: counts its characters */
  counter: StringDecoder | null = null;
  chars = 0;

  constructor(private readonly maxLine: number) {}

  get active(): boolean {
    return this.bytes > 0 || this.counter !== null;
  }

  add(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.counter !== null) {
      this.chars += this.counter.write(piece).length;
      return;
    }
    this.pieces.push(piece);
    this.bytes += piece.length;
    if (this.bytes > 3 * this.maxLine) {
      this.counter = new StringDecoder('utf8');
      for (const p of this.pieces) this.chars += this.counter.write(p).length;
      this.pieces = [];
    }
  }

  /** a too-long line's characters, its last bytes counted */
  endCount(): number {
    const n = this.chars + this.counter!.end().length;
    this.reset();
    return n;
  }

  reset(): void {
    this.pieces = [];
    this.bytes = 0;
    this.counter = null;
    this.chars = 0;
  }
}

/** Chunks of bytes in, batches of lines out (what readLines does with what it reads). */
export class LineSplitter {
  private readonly pending: Pending;
  private line = 1;
  /** the previous chunk ended in "\r": a "\n" starting this one belongs to it */
  private afterCr = false;
  private starts = new Int32Array(8192);
  private ends = new Int32Array(8192);
  private count = 0;
  private long: LongLine[] = [];

  constructor(private readonly maxLine = MAX_LINE) {
    this.pending = new Pending(maxLine);
  }

  /** the number of the line being read */
  get lineNumber(): number {
    return this.line;
  }

  private push(start: number, end: number): void {
    if (this.count === this.starts.length) {
      const s = new Int32Array(this.count * 2);
      s.set(this.starts);
      this.starts = s;
      const e = new Int32Array(this.count * 2);
      e.set(this.ends);
      this.ends = e;
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
    this.line++;
  }

  /** a line too long to keep: named in `long`, empty in the batch */
  private pushLong(at: number, chars: number): void {
    this.long.push({ line: this.line, length: chars });
    this.push(at, at);
  }

  /** one line of buf: kept, or too long (more than maxLine characters once decoded) */
  private pushLine(buf: Buffer, start: number, end: number): void {
    if (end - start > this.maxLine) {
      const chars = utf8(buf, start, end).length;
      if (chars > this.maxLine) return this.pushLong(start, chars);
    }
    this.push(start, end);
  }

  /** The lines that end in this chunk (null when none does). */
  take(chunk: Buffer, bytesRead: number): LineBatch | null {
    const first = this.line;
    let buf = chunk;
    let i = 0;
    if (this.afterCr && buf.length > 0 && buf[0] === 10) i = 1;
    if (buf.length > 0) this.afterCr = false;
    const p = this.pending;
    if (p.active) {
      const j = lineEnd(buf, i, buf.length);
      if (j < 0) {
        p.add(buf.subarray(i));
        return null;
      }
      if (p.counter !== null) {
        // a line too long to keep ends here: counted, then the chunk is read on from its end
        p.add(buf.subarray(i, j));
        this.pushLong(i, p.endCount());
        i = this.afterEnd(buf, j);
      } else {
        // the pending line and the rest of the chunk, in one buffer
        p.pieces.push(buf.subarray(i));
        buf = Buffer.concat(p.pieces, p.bytes + buf.length - i);
        const end = p.bytes + j - i;
        p.reset();
        this.pushLine(buf, 0, end);
        i = this.afterEnd(buf, end);
      }
    }
    const n = buf.length;
    // the next "\n" and the next "\r", each found by Buffer's native search and looked up again
    // only once passed (a search per line for a byte the chunk lacks would be quadratic)
    let lf = buf.indexOf(10, i);
    let cr = buf.indexOf(13, i);
    for (;;) {
      if (lf >= 0 && lf < i) lf = buf.indexOf(10, i);
      if (cr >= 0 && cr < i) cr = buf.indexOf(13, i);
      const j = lf < 0 ? cr : cr < 0 || lf < cr ? lf : cr;
      if (j < 0) break;
      this.pushLine(buf, i, j);
      i = this.afterEnd(buf, j);
    }
    if (i < n) p.add(buf.subarray(i));
    return this.batch(first, buf, bytesRead);
  }

  /** where the line ending at `j` is followed: past "\n", "\r" or "\r\n" (a "\r" last in the chunk may have its "\n" in the next) */
  private afterEnd(buf: Buffer, j: number): number {
    if (buf[j] === 13) {
      if (j + 1 === buf.length) this.afterCr = true;
      else if (buf[j + 1] === 10) return j + 2;
    }
    return j + 1;
  }

  /** The last line, when the input does not end with a line end. */
  end(bytesRead: number): LineBatch | null {
    const first = this.line;
    const p = this.pending;
    if (!p.active) return null;
    if (p.counter !== null) {
      this.pushLong(0, p.endCount());
      return this.batch(first, Buffer.alloc(0), bytesRead);
    }
    const buf = Buffer.concat(p.pieces, p.bytes);
    p.reset();
    this.pushLine(buf, 0, buf.length);
    return this.batch(first, buf, bytesRead);
  }

  private batch(first: number, buf: Buffer, bytesRead: number): LineBatch | null {
    if (this.count === 0) return null;
    const text: LineBytes = { buf, starts: this.starts.slice(0, this.count), ends: this.ends.slice(0, this.count) };
    const b = new ReadBatch(first, text, bytesRead, this.long.length ? this.long : undefined);
    this.count = 0;
    this.long = [];
    return b;
  }
}

export async function* readLines(path: string, chunkBytes = 1 << 20, maxLine = MAX_LINE): AsyncGenerator<LineBatch> {
  let gz: boolean;
  try {
    gz = isGzip(path);
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const raw = createReadStream(path, { highWaterMark: chunkBytes });
  const stream = gz ? raw.pipe(createGunzip({ chunkSize: Math.max(64 * 1024, Math.min(chunkBytes, 1 << 20)) })) : raw;
  const split = new LineSplitter(maxLine);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const b = split.take(chunk, raw.bytesRead);
      if (b) yield b;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
      throw new InputError(`${path}: gzip data is corrupt after line ${split.lineNumber} (${(err as Error).message})`);
    throw err;
  }
  const b = split.end(raw.bytesRead);
  if (b) yield b;
}
