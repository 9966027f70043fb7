// Random access to a trace.dat without reading it whole: each read is one pread of the bytes
// asked for. A gzip-compressed trace.dat is first inflated, as a stream, into a temporary file
// (bounded memory; the disk holds the inflated size) and read from there.
import { closeSync, createReadStream, createWriteStream, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../domain-events/index.js';
import { initCodecs } from './compress.js';
import { TraceDatError } from './errors.js';

export class DatFile {
  readonly size: number;
  private readonly fd: number;

  private constructor(
    /** the name errors give: the file the user named */
    readonly name: string,
    path: string,
    private readonly cleanup: (() => void) | null,
  ) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  static async open(path: string): Promise<DatFile> {
    await initCodecs();
    const fd = openSync(path, 'r');
    const magic = Buffer.alloc(2);
    const n = readSync(fd, magic, 0, 2, 0);
    closeSync(fd);
    if (n < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) return new DatFile(path, path, null);
    const dir = mkdtempSync(join(tmpdir(), 'iommu-journal-dat-'));
    const inflated = join(dir, 'trace.dat');
    try {
      await pipeline(createReadStream(path), createGunzip(), createWriteStream(inflated));
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw new InputError(`${path}: gzip data is corrupt (${(err as Error).message})`);
    }
    return new DatFile(path, inflated, () => rmSync(dir, { recursive: true, force: true }));
  }

  /** `len` bytes at `offset`; a file that ends first is damage at its end, naming what was being read */
  read(offset: number, len: number, what: string, into?: Uint8Array): Uint8Array {
    if (offset < 0 || len < 0 || offset + len > this.size) throw new TraceDatError(this.name, Math.min(offset, this.size), `${len} bytes of ${what}`, `the file ends at ${this.size}`);
    const buf = into && into.length >= len ? into.subarray(0, len) : new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, buf, done, len - done, offset + done);
      if (n <= 0) throw new TraceDatError(this.name, offset + done, `${len - done} more bytes of ${what}`, 'end of file');
      done += n;
    }
    return buf;
  }

  close(): void {
    closeSync(this.fd);
    this.cleanup?.();
  }
}

/** Reads numbers and strings from a buffer in the file's byte order, naming the file offset on damage. */
export class Cursor {
  readonly view: DataView;
  at = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    /** file offset of bytes[0], for messages (-1: inside a decompressed section) */
    readonly base: number,
    readonly file: string,
    readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.at + n > this.bytes.length) throw new TraceDatError(this.file, this.base + this.at, `${what} (${n} bytes) in ${this.what}`, `${this.bytes.length - this.at} bytes left`);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.at, this.littleEndian);
    this.at += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.at, this.littleEndian);
    this.at += 4;
    return v;
  }

  /** a 64-bit size or offset: exact below 2^53, which every real file is */
  u64(what: string): number {
    this.need(8, what);
    const v = Number(this.view.getBigUint64(this.at, this.littleEndian));
    this.at += 8;
    return v;
  }

  cstring(what: string): string {
    let end = this.at;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    if (end >= this.bytes.length) throw new TraceDatError(this.file, this.base + this.at, `a NUL-terminated ${what} in ${this.what}`, 'no NUL before the end');
    const s = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, end - this.at).toString('utf8');
    this.at = end + 1;
    return s;
  }

  bytesOf(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }

  get left(): number {
    return this.bytes.length - this.at;
  }
}
