// Streams a text file (plain or gzip) as batches of lines with their 1-based numbers, in
// bounded memory: one read buffer and the lines of one chunk at a time.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from '../domain-events/index.js';

export interface LineBatch {
  /** number of the first line in `lines` */
  readonly first: number;
  readonly lines: readonly string[];
  /** bytes of the source consumed so far (compressed bytes for .gz) */
  readonly bytes: number;
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

export async function* readLines(path: string, chunkBytes = 1 << 20): AsyncGenerator<LineBatch> {
  let gz: boolean;
  try {
    gz = isGzip(path);
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const raw = createReadStream(path, { highWaterMark: chunkBytes });
  const stream = gz ? raw.pipe(createGunzip()) : raw;
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let line = 1;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = carry + decoder.write(chunk);
      const parts = text.split('\n');
      carry = parts.pop() ?? '';
      for (let i = 0; i < parts.length; i++) if (parts[i].endsWith('\r')) parts[i] = parts[i].slice(0, -1);
      yield { first: line, lines: parts, bytes: raw.bytesRead };
      line += parts.length;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
      throw new InputError(`${path}: gzip data is corrupt after line ${line} (${(err as Error).message})`);
    throw err;
  }
  carry += decoder.end();
  if (carry.endsWith('\r')) carry = carry.slice(0, -1);
  if (carry.length) yield { first: line, lines: [carry], bytes: raw.bytesRead };
}
