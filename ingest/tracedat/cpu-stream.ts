// One CPU's ring-buffer pages, event by event (kernel/trace/ring_buffer.c's page and event
// layout; libtraceevent kbuffer-parse.c reads them the same way). Pages come from the file a
// block at a time, or, in a compressed v7 file, one inflated chunk at a time: memory holds one
// block or chunk per CPU, whatever the file's size.
//
// Page: u64 timestamp, a long `commit` (data bytes, with RB_MISSED_EVENTS (1 << 31) and
// RB_MISSED_STORED (1 << 30) flags), then the events. Event: a 32-bit word, type_len in 5 bits and
// time_delta in 27 (which bits depends on the byte order); type_len 1..28 is a record of
// type_len * 4 bytes, 0 a record whose length is the next word, 29 padding, 30 a time extend
// (delta = next word << 27 | time_delta), 31 an absolute timestamp.
import { TraceDatError } from './errors.js';
import { type DatFile } from './file.js';
import { type CpuData, type TraceDatLayout } from './layout.js';

const TYPE_PADDING = 29;
const TYPE_TIME_EXTEND = 30;
const TYPE_TIME_STAMP = 31;
const TS_SHIFT = 2 ** 27;
const COMMIT_MASK = (1 << 27) - 1;
const MISSED_EVENTS = 2 ** 31;
const MISSED_STORED = 2 ** 30;
/** uncompressed data is read this many pages at a time */
const BLOCK_PAGES = 64;

export class CpuStream {
  /** the current event: timestamp (ns), record offset and length within `page` */
  ts = 0;
  recOffset = 0;
  recLength = 0;
  /** events the kernel lost before the current event: 0 none, -1 an unknown number */
  missed = 0;
  done = false;
  /** bytes of the file consumed, of `size` */
  consumed = 0;

  page: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  private readonly le: boolean;
  private block: Uint8Array = new Uint8Array(0);
  private blockView: DataView = new DataView(new ArrayBuffer(0));
  private blockPos = 0;
  /** where the current page starts in the block */
  private pageBase = 0;
  /** file offset of the current block (uncompressed) or chunk header (compressed), for messages */
  private blockFileOffset = 0;
  private filePos: number;
  private readonly fileEnd: number;
  /** the CPU's data in the file (what `consumed` reaches at its end) */
  readonly size: number;
  private chunksLeft = -1;
  private pos = 0;
  private end = 0;
  private pageTs = 0;

  constructor(
    private readonly file: DatFile,
    private readonly layout: TraceDatLayout,
    readonly cpu: CpuData,
  ) {
    this.le = layout.littleEndian;
    this.filePos = cpu.offset;
    // a compressed CPU's size does not count the chunk-count word before its chunks
    this.fileEnd = cpu.offset + cpu.size + (layout.codec ? 4 : 0);
    this.size = this.fileEnd - cpu.offset;
  }

  private damage(at: number, expected: string, found?: string): TraceDatError {
    return new TraceDatError(this.file.name, at, expected, found);
  }

  /** damage at a byte of the current block: its file offset, or in a compressed file the chunk's and the byte within it */
  private damageIn(blockPos: number, expected: string, found?: string): TraceDatError {
    if (!this.layout.codec) return this.damage(this.blockFileOffset + blockPos, expected, found);
    return this.damage(this.blockFileOffset, `${expected} (byte ${blockPos} of the chunk inflated from this offset)`, found);
  }

  /** the next block of pages, or false at the end of the CPU's data */
  private nextBlock(): boolean {
    const codec = this.layout.codec;
    if (this.filePos >= this.fileEnd) return false;
    if (!codec) {
      const len = Math.min(this.layout.pageSize * BLOCK_PAGES, this.fileEnd - this.filePos);
      this.blockFileOffset = this.filePos;
      this.setBlock(this.file.read(this.filePos, len, `CPU ${this.cpu.cpu} ring-buffer pages`));
      this.filePos += len;
      this.consumed += len;
      return true;
    }
    const le = this.le;
    if (this.chunksLeft < 0) {
      this.chunksLeft = new DataView(this.file.read(this.filePos, 4, `the chunk count of CPU ${this.cpu.cpu}`).buffer).getUint32(0, le);
      this.filePos += 4;
    }
    if (this.chunksLeft === 0) return false;
    this.chunksLeft--;
    const at = this.filePos;
    const h = new DataView(this.file.read(at, 8, `a chunk header of CPU ${this.cpu.cpu}`).buffer);
    const csize = h.getUint32(0, le);
    const usize = h.getUint32(4, le);
    if (at + 8 + csize > this.fileEnd) throw this.damage(at, `a chunk of ${csize} bytes inside CPU ${this.cpu.cpu}'s data (ends at ${this.fileEnd})`);
    const data = this.file.read(at + 8, csize, `a compressed chunk of CPU ${this.cpu.cpu}`);
    let pages: Uint8Array;
    try {
      pages = codec(data, usize);
    } catch (err) {
      throw this.damage(at, `${csize} bytes of ${this.layout.compression} data inflating to ${usize} (CPU ${this.cpu.cpu})`, (err as Error).message);
    }
    if (usize % this.layout.pageSize !== 0) throw this.damage(at + 4, `a chunk of whole ${this.layout.pageSize}-byte pages`, `${usize} bytes`);
    this.blockFileOffset = at;
    this.filePos = at + 8 + csize;
    this.consumed += 8 + csize + (this.chunksLeft === 0 ? 4 : 0);
    this.setBlock(pages);
    return true;
  }

  private setBlock(b: Uint8Array): void {
    this.block = b;
    this.blockView = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.blockPos = 0;
  }

  private u64At(view: DataView, at: number): number {
    const lo = view.getUint32(at + (this.le ? 0 : 4), this.le);
    const hi = view.getUint32(at + (this.le ? 4 : 0), this.le);
    return hi * 2 ** 32 + lo;
  }

  /** loads the next page that holds data; false when the CPU has no more */
  private nextPage(): boolean {
    const ps = this.layout.pageSize;
    const ph = this.layout.pageHeader;
    for (;;) {
      if (this.blockPos + ps > this.block.length) {
        if (this.blockPos < this.block.length) throw this.damageIn(this.blockPos, `a whole ${ps}-byte page`, `${this.block.length - this.blockPos} bytes`);
        if (!this.nextBlock()) return false;
        continue;
      }
      const base = this.blockPos;
      this.pageBase = base;
      this.blockPos += ps;
      this.page = this.block;
      this.view = this.blockView;
      this.pageTs = this.u64At(this.blockView, base + ph.timestampOffset);
      const commit = ph.commitSize === 8 ? this.u64At(this.blockView, base + ph.commitOffset) : this.blockView.getUint32(base + ph.commitOffset, this.le);
      const size = commit % 2 ** 32 & COMMIT_MASK;
      const start = base + ph.dataOffset;
      if (start + size > base + ps) throw this.damageIn(base + ph.commitOffset, `a page commit of at most ${ps - ph.dataOffset} bytes`, String(size));
      const flags = commit % 2 ** 32;
      this.missed = flags >= MISSED_EVENTS ? ((flags % MISSED_EVENTS) >= MISSED_STORED ? this.missedStored(start + size) : -1) : 0;
      this.pos = start;
      this.end = start + size;
      if (size > 0) return true;
    }
  }

  private missedStored(at: number): number {
    return this.layout.pageHeader.commitSize === 8 ? this.u64At(this.blockView, at) : this.blockView.getUint32(at, this.le);
  }

  /** moves to the next record; false (and done) when the CPU has no more */
  advance(): boolean {
    let v = this.view;
    const le = this.le;
    let ts = this.ts;
    // only a page's first record carries the page's missed events
    this.missed = 0;
    for (;;) {
      if (this.pos >= this.end) {
        if (!this.nextPage()) {
          this.done = true;
          return false;
        }
        ts = this.pageTs;
        v = this.view;
      }
      if (this.pos + 4 > this.end) throw this.damageIn(this.pos, 'a 4-byte event header inside the page commit');
      const word = v.getUint32(this.pos, le);
      const typeLen = le ? word & 31 : word >>> 27;
      const delta = le ? word >>> 5 : word & 0x7ffffff;
      const at = this.pos + 4;
      switch (typeLen) {
        case TYPE_PADDING:
          // kbuffer-parse.c: the padding's length is the next word; its delta counts
          if (delta === 0) {
            this.pos = this.end;
            continue;
          }
          ts += delta;
          this.pos = at + v.getUint32(at, le);
          continue;
        case TYPE_TIME_EXTEND:
          ts += v.getUint32(at, le) * TS_SHIFT + delta;
          this.pos = at + 4;
          continue;
        case TYPE_TIME_STAMP:
          ts = v.getUint32(at, le) * TS_SHIFT + delta;
          this.pos = at + 4;
          continue;
        case 0: {
          if (at + 4 > this.end) throw this.damageIn(at, 'the length word of a long record inside the page commit');
          const raw = v.getUint32(at, le);
          if (raw < 4) throw this.damageIn(at, 'a record length of at least 4', String(raw));
          const len = (raw - 4 + 3) & ~3;
          ts += delta;
          this.recOffset = at + 4;
          this.recLength = len;
          this.pos = at + 4 + len;
          break;
        }
        default:
          ts += delta;
          this.recOffset = at;
          this.recLength = typeLen * 4;
          this.pos = at + typeLen * 4;
      }
      if (this.pos > this.end) throw this.damageIn(this.recOffset, `a record of ${this.recLength} bytes inside the page commit`);
      this.ts = ts;
      return true;
    }
  }
}
