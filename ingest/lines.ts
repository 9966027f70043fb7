// Streams a text file (plain or gzip) as batches of lines with their 1-based numbers, in
// bounded memory and time linear in the bytes read: one read buffer, the lines of one chunk, and
// at most one line's worth of pending text. "\n", "\r\n" and a lone "\r" each end a line. A line
// longer than `maxLine` characters (no ftrace line comes near 1 MiB) is not kept: its number
// and length are reported, its text dropped as it streams past.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../domain-events/index.js';

export const MAX_LINE = 1 << 20;

export interface LongLine {
  readonly line: number;
  /** characters in the line (at least maxLine + 1) */
  readonly length: number;
}

export interface LineBatch {
  /** number of the first line in `lines` */
  readonly first: number;
  /** the lines; a line too long to keep is '' here and named in `long` */
  readonly lines: readonly string[];
  /** bytes of the source consumed so far (compressed bytes for .gz) */
  readonly bytes: number;
  readonly long?: readonly LongLine[];
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

/** The line being assembled across chunks: pieces until it ends, or only a length once it is too long. */
class Pending {
  private pieces: string[] = [];
  length = 0;
  tooLong = false;

  constructor(private readonly max: number) {}

  add(piece: string): void {
    this.length += piece.length;
    if (this.tooLong) return;
    if (this.length > this.max) {
      this.tooLong = true;
      this.pieces = [];
    } else if (piece.length) this.pieces.push(piece);
  }

  /** ends the line with its last piece: the text, or null when it was too long */
  end(last: string): string | null {
    this.add(last);
    const text = this.tooLong ? null : this.pieces.length === 0 ? '' : this.pieces.length === 1 ? this.pieces[0] : this.pieces.join('');
    this.pieces = [];
    this.length = 0;
    this.tooLong = false;
    return text;
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
  const decoder = new StringDecoder('utf8');
  const pending = new Pending(maxLine);
  let line = 1;
  // the previous chunk ended in "\r": a "\n" starting this one belongs to it
  let afterCr = false;
  let lines: string[] = [];
  let long: LongLine[] = [];
  let first = 1;
  const finish = (last: string) => {
    const len = pending.length + last.length;
    const text = pending.end(last);
    if (text === null) {
      long.push({ line, length: len });
      lines.push('');
    } else lines.push(text);
    line++;
  };
  const take = (text: string) => {
    let i = 0;
    if (afterCr && text.charCodeAt(0) === 10) i = 1;
    afterCr = false;
    // the next "\r", looked up again only once passed (a scan per line would be quadratic)
    let nextCr = text.indexOf('\r', i);
    for (;;) {
      let j = text.indexOf('\n', i);
      if (nextCr >= 0 && nextCr < i) nextCr = text.indexOf('\r', i);
      if (nextCr >= 0 && (j < 0 || nextCr < j)) j = nextCr;
      if (j < 0) break;
      finish(text.slice(i, j));
      if (text.charCodeAt(j) === 13) {
        if (j + 1 === text.length) afterCr = true;
        else if (text.charCodeAt(j + 1) === 10) j++;
      }
      i = j + 1;
    }
    if (i < text.length) pending.add(i === 0 ? text : text.slice(i));
  };
  const batch = (): LineBatch => {
    const b: LineBatch = long.length ? { first, lines, bytes: raw.bytesRead, long } : { first, lines, bytes: raw.bytesRead };
    first = line;
    lines = [];
    long = [];
    return b;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      take(decoder.write(chunk));
      if (lines.length) yield batch();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
      throw new InputError(`${path}: gzip data is corrupt after line ${line} (${(err as Error).message})`);
    throw err;
  }
  take(decoder.end());
  if (pending.length > 0 || pending.tooLong) finish('');
  if (lines.length) yield batch();
}
