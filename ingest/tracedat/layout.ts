// The metadata of a trace.dat (trace-cmd.dat.v6(5), trace-cmd.dat.v7(5)): byte order, long and
// page size, the ring buffer's page header, every event format, saved cmdlines, the options
// (uname, trace clock, CPU count, buffers) and where each CPU's ring-buffer pages are. Version 6
// is one sequence of blocks; version 7 is sections (some compressed) found through options.
// Nothing here reads the CPU data itself.
import { type EventFormat, parseEventFormat, parseFormatFields } from '../ftrace/event-format.js';
import { FormatSet } from '../ftrace/format-set.js';
import { type Codec, codecOf } from './compress.js';
import { TraceDatError } from './errors.js';
import { Cursor, type DatFile } from './file.js';
import { applyOption, type Options, newOptions } from './options.js';

export const MAGIC = Uint8Array.of(0x17, 0x08, 0x44, ...Buffer.from('tracing'));

export interface CpuData {
  readonly cpu: number;
  /** file offset of the CPU's pages (v7 compressed: of its chunk list) */
  readonly offset: number;
  readonly size: number;
}

export interface PageHeader {
  readonly timestampOffset: number;
  readonly commitOffset: number;
  /** the kernel's long: 8 on 64-bit kernels */
  readonly commitSize: number;
  readonly dataOffset: number;
}

export interface TraceDatLayout {
  readonly version: number;
  readonly littleEndian: boolean;
  readonly pageSize: number;
  /** v7: the codec of compressed sections and CPU data (null: none) */
  readonly codec: Codec | null;
  readonly compression: string | null;
  readonly pageHeader: PageHeader;
  readonly formats: FormatSet;
  readonly cmdlines: ReadonlyMap<number, string>;
  readonly options: Options;
  /** the top instance's per-CPU data (other instances are named in options.buffers) */
  readonly cpus: readonly CpuData[];
}

const SUPPORTED = [6, 7];
const SECTION_COMPRESSED = 1;

function pageHeaderOf(text: string, file: string, at: number): PageHeader {
  const fields = parseFormatFields(text);
  const get = (n: string) => fields.find((f) => f.name === n);
  const ts = get('timestamp');
  const commit = get('commit');
  const data = get('data');
  if (!ts || !commit || !data) throw new TraceDatError(file, at, 'a header_page format with timestamp, commit and data fields', JSON.stringify(text.slice(0, 80)));
  return { timestampOffset: ts.offset, commitOffset: commit.offset, commitSize: commit.size, dataOffset: data.offset };
}

/** header_page and header_event, as both versions store them */
function readHeaderInfo(c: Cursor): string {
  const tag = c.cstring('"header_page"');
  if (tag !== 'header_page') throw new TraceDatError(c.file, c.base + c.at, '"header_page"', JSON.stringify(tag));
  const page = Buffer.from(c.bytesOf(c.u64('header_page size'), 'header_page')).toString('utf8');
  const tag2 = c.cstring('"header_event"');
  if (tag2 !== 'header_event') throw new TraceDatError(c.file, c.base + c.at, '"header_event"', JSON.stringify(tag2));
  c.bytesOf(c.u64('header_event size'), 'header_event');
  return page;
}

function readFormats(c: Cursor, into: FormatSet, longSize: number, withSystems: boolean): void {
  const systems = withSystems ? c.u32('count of event systems') : 1;
  for (let s = 0; s < systems; s++) {
    if (withSystems) c.cstring('system name');
    const n = c.u32('count of event formats');
    for (let i = 0; i < n; i++) {
      const at = c.base + c.at;
      const text = Buffer.from(c.bytesOf(c.u64('format size'), 'an event format')).toString('utf8');
      const f: EventFormat | null = parseEventFormat(text, longSize);
      if (!f) throw new TraceDatError(c.file, at, 'an event format (name:, ID:, format:)', JSON.stringify(text.slice(0, 40)));
      into.add(f);
    }
  }
}

function parseCmdlines(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (m) out.set(Number(m[1]), m[2]);
  }
  return out;
}

/** A v7 section's content, inflated when compressed. */
function readSection(f: DatFile, offset: number, le: boolean, codec: Codec | null, want: number, what: string): Cursor {
  const h = new Cursor(f.read(offset, 16, `the ${what} section header`), le, offset, f.name, `the ${what} section header`);
  const id = h.u16('section id');
  const flags = h.u16('section flags');
  h.u32('section description');
  const size = h.u64('section size');
  if (id !== want) throw new TraceDatError(f.name, offset, `section ${want} (${what})`, `section ${id}`);
  const body = f.read(offset + 16, size, `the ${what} section`);
  if (!(flags & SECTION_COMPRESSED)) return new Cursor(body, le, offset + 16, f.name, `the ${what} section`);
  const ch = new Cursor(body, le, offset + 16, f.name, `the ${what} section`);
  const csize = ch.u32('compressed size');
  const usize = ch.u32('uncompressed size');
  if (!codec) throw new TraceDatError(f.name, offset + 2, 'an uncompressed section (the file names no compression)', 'the compressed flag');
  let data: Uint8Array;
  try {
    data = codec(ch.bytesOf(csize, 'compressed data'), usize);
  } catch (err) {
    throw new TraceDatError(f.name, offset + 24, `${csize} bytes of compressed ${what} inflating to ${usize}`, (err as Error).message);
  }
  return new Cursor(data, le, offset + 24, f.name, `the ${what} section (inflated)`);
}

/** v7: options sections chained by their DONE option, each option pointing to a section */
function readV7(f: DatFile, c: Cursor, le: boolean, longSize: number, pageSize: number) {
  const compression = c.cstring('compression name');
  c.cstring('compression version');
  const codec = compression === 'none' ? null : codecOf(compression);
  if (compression !== 'none' && !codec) throw new TraceDatError(f.name, c.base, 'compression zstd, zlib or none', JSON.stringify(compression));
  let next = c.u64('offset of the first options section');
  const options = newOptions();
  const seen = new Set<number>();
  while (next !== 0 && !seen.has(next)) {
    seen.add(next);
    const s = readSection(f, next, le, codec, 0, 'options');
    next = 0;
    while (s.left > 0) {
      const id = s.u16('option id');
      const size = s.u32('option size');
      const data = new Cursor(s.bytesOf(size, `option ${id}`), le, s.base + s.at - size, f.name, `option ${id}`);
      if (id === 0) {
        next = data.u64('offset of the next options section');
        break;
      }
      applyOption(options, id, data, 7);
    }
  }
  const need = (off: number | null, what: string) => {
    if (off === null) throw new TraceDatError(f.name, c.base, `an option naming the ${what} section`, 'none');
    return off;
  };
  const header = readSection(f, need(options.sections.headerInfo, 'header info'), le, codec, 16, 'header info');
  const headerAt = header.base;
  const pageText = readHeaderInfo(header);
  const pageHeader = pageHeaderOf(pageText, f.name, headerAt);
  const formats = new FormatSet();
  if (options.sections.ftraceEvents !== null) readFormats(readSection(f, options.sections.ftraceEvents, le, codec, 17, 'ftrace events'), formats, pageHeader.commitSize, false);
  readFormats(readSection(f, need(options.sections.eventFormats, 'event formats'), le, codec, 18, 'event formats'), formats, pageHeader.commitSize, true);
  let cmdlines = new Map<number, string>();
  if (options.sections.cmdlines !== null) {
    const s = readSection(f, options.sections.cmdlines, le, codec, 21, 'saved cmdlines');
    cmdlines = parseCmdlines(Buffer.from(s.bytesOf(s.u64('cmdlines size'), 'saved cmdlines')).toString('utf8'));
  }
  const top = options.buffers.find((b) => b.name === '') ?? options.buffers[0];
  if (!top) throw new TraceDatError(f.name, c.base, 'a BUFFER option (the per-CPU data)', 'none');
  void longSize;
  void pageSize;
  return { codec, compression, pageHeader, formats, cmdlines, options, cpus: top.cpus };
}

/** v6: the blocks in file order, read through a window on the file (kallsyms is skipped, not read) */
function readV6(f: DatFile, start: number, le: boolean) {
  let pos = start;
  const win = (len: number, what: string) => {
    const c = new Cursor(f.read(pos, len, what), le, pos, f.name, what);
    pos += len;
    return c;
  };
  const sized = (lenBytes: 4 | 8, what: string) => {
    const n = lenBytes === 4 ? win(4, `${what} size`).u32(`${what} size`) : win(8, `${what} size`).u64(`${what} size`);
    return { at: pos, len: n };
  };
  // header_page / header_event: tag, u64 size, text
  const hp = win(12, '"header_page"');
  if (hp.cstring('"header_page"') !== 'header_page') throw new TraceDatError(f.name, pos - 12, '"header_page"');
  const page = sized(8, 'header_page');
  const pageHeader = pageHeaderOf(Buffer.from(win(page.len, 'header_page').bytes).toString('utf8'), f.name, page.at);
  const he = win(13, '"header_event"');
  if (he.cstring('"header_event"') !== 'header_event') throw new TraceDatError(f.name, pos - 13, '"header_event"');
  const skip = (lenBytes: 4 | 8, what: string) => {
    // (not `pos += sized(…).len`: the right side moves pos too)
    const b = sized(lenBytes, what);
    pos = b.at + b.len;
  };
  skip(8, 'header_event');
  const formats = new FormatSet();
  const formatBlock = (count: number, what: string) => {
    for (let i = 0; i < count; i++) {
      const b = sized(8, what);
      const text = Buffer.from(win(b.len, what).bytes).toString('utf8');
      const fmt = parseEventFormat(text, pageHeader.commitSize);
      if (!fmt) throw new TraceDatError(f.name, b.at, 'an event format (name:, ID:, format:)', JSON.stringify(text.slice(0, 40)));
      formats.add(fmt);
    }
  };
  formatBlock(win(4, 'count of ftrace formats').u32('count of ftrace formats'), 'ftrace event format');
  const systems = win(4, 'count of event systems').u32('count of event systems');
  for (let s = 0; s < systems; s++) {
    const nameWin = new Cursor(f.read(pos, Math.min(256, f.size - pos), 'system name'), le, pos, f.name, 'system name');
    nameWin.cstring('system name');
    pos += nameWin.at;
    formatBlock(win(4, 'count of event formats').u32('count of event formats'), 'event format');
  }
  skip(4, 'kallsyms');
  skip(4, 'printk formats');
  const cl = sized(8, 'saved cmdlines');
  const cmdlines = parseCmdlines(Buffer.from(win(cl.len, 'saved cmdlines').bytes).toString('utf8'));
  const cpuCount = win(4, 'CPU count').u32('CPU count');
  const options = newOptions();
  let tag = win(10, '"options", "latency" or "flyrecord"').cstring('a data tag');
  if (tag === 'options  ') {
    for (;;) {
      const id = win(2, 'option id').u16('option id');
      if (id === 0) break;
      const size = win(4, 'option size').u32('option size');
      applyOption(options, id, win(size, `option ${id}`), 6);
    }
    tag = win(10, '"latency" or "flyrecord"').cstring('a data tag');
  }
  if (tag !== 'flyrecord') throw new TraceDatError(f.name, pos - 10, '"flyrecord" (latency-format files hold text, not records)', JSON.stringify(tag));
  const list = win(16 * cpuCount, 'the per-CPU offsets');
  const cpus: CpuData[] = [];
  for (let cpu = 0; cpu < cpuCount; cpu++) cpus.push({ cpu, offset: list.u64('CPU data offset'), size: list.u64('CPU data size') });
  options.cpuCount ??= cpuCount;
  return { codec: null, compression: null, pageHeader, formats, cmdlines, options, cpus };
}

/** Reads the metadata of a trace.dat. Damage gives a TraceDatError naming the offset and what was expected there. */
export function readLayout(f: DatFile): TraceDatLayout {
  const head = new Cursor(f.read(0, Math.min(f.size, 64), 'the file header'), true, 0, f.name, 'the file header');
  const magic = head.bytesOf(Math.min(MAGIC.length, head.left), 'magic');
  if (magic.length < MAGIC.length || MAGIC.some((b, i) => magic[i] !== b)) throw new TraceDatError(f.name, 0, 'the trace.dat magic \\x17\\x08\\x44tracing', Buffer.from(magic).toString('hex'));
  const versionText = head.cstring('file version');
  const version = Number(versionText);
  if (!SUPPORTED.includes(version)) throw new TraceDatError(f.name, MAGIC.length, `file version ${SUPPORTED.join(' or ')}`, JSON.stringify(versionText));
  const endianAt = head.at;
  const endian = head.bytesOf(1, 'endianness')[0];
  if (endian > 1) throw new TraceDatError(f.name, endianAt, 'endianness 0 (little) or 1 (big)', String(endian));
  const le = endian === 0;
  const longSize = head.bytesOf(1, 'long size')[0];
  const c = new Cursor(head.bytes, le, 0, f.name, 'the file header');
  c.at = head.at;
  const pageSize = c.u32('page size');
  if (pageSize < 64 || pageSize > 1 << 24 || (pageSize & (pageSize - 1)) !== 0) throw new TraceDatError(f.name, head.at, 'a power-of-two page size', String(pageSize));
  if (version === 6) return { version, littleEndian: le, pageSize, ...readV6(f, c.at, le) };
  // the v7 header continues with two strings and an offset: re-read enough of it
  const v7 = new Cursor(f.read(c.at, Math.min(f.size - c.at, 512), 'the compression header'), le, c.at, f.name, 'the file header');
  return { version, littleEndian: le, pageSize, ...readV7(f, v7, le, longSize, pageSize) };
}
