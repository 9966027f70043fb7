// Reads a journal front to back. Damage (a truncated tail, a flipped bit, garbage) ends the
// readable part: every complete record before it is returned, and `damage` names the byte
// offset and what is wrong there. Whether the writer finished (the end record, format v2) is
// known before any event is read: `status()` walks the record frames only.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import {
  decodeBlock,
  eventDefs,
  type IommuEvent,
  InputError,
  unpackValue,
  validateEvent,
} from '../domain-events/index.js';
import { type State } from '../reducers/index.js';
import { type CheckpointBase, decodeCheckpointPayload } from './checkpoint-payload.js';
import {
  chainCrc,
  chainStart,
  CRC_TABLE,
  crc32,
  type JournalEnd,
  type JournalHeader,
  MAGIC,
  MAX_HEADER_BYTES,
  MAX_RECORD_BYTES,
  READABLE_VERSIONS,
  RECORD_HEADER_BYTES,
  recordCrc,
  RecordKind,
} from './journal-format.js';

export interface RecordInfo {
  readonly kind: number;
  /** file offset of the record's first byte */
  readonly offset: number;
  readonly firstSeq: number;
  readonly count: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

export interface Damage {
  readonly offset: number;
  readonly reason: string;
  /** the file ends inside this record (what a writer killed mid-write leaves) */
  readonly truncated?: boolean;
}

/**
 * Whether the writer finished. `complete`: the end record is there and agrees with the file.
 * `incomplete`: format v2 without an end record: the writer stopped after `events` events
 * (`cutAt`: the file ends inside a record there). `damaged`: the frames or the end record are
 * wrong at `offset`. `unchecked`: format v1, which had no end record.
 */
export type JournalStatus =
  | { readonly kind: 'complete'; readonly events: number; readonly end: JournalEnd }
  | { readonly kind: 'incomplete'; readonly events: number; readonly cutAt: number | null }
  | { readonly kind: 'damaged'; readonly events: number; readonly offset: number; readonly reason: string }
  | { readonly kind: 'unchecked'; readonly events: number };

function decodes(body: Uint8Array): boolean {
  try {
    const h = unpackValue(body) as Partial<JournalHeader> | null;
    return typeof h === 'object' && h !== null && typeof h.producer === 'string';
  } catch {
    return false;
  }
}

export class JournalReader {
  readonly header: JournalHeader;
  /** where the first record starts */
  readonly dataOffset: number;
  readonly size: number;
  /** set once a read ran into damage */
  damage: Damage | null = null;
  /** the end record, once a read reached it */
  end: JournalEnd | null = null;
  readonly formatVersion: number;
  private readonly headerCrc: number = 0;
  private statusCache: JournalStatus | null = null;
  private fd: number;
  private lastBase: { readonly offset: number; readonly state: State } | null = null;

  private constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw new InputError(`${path}: cannot open journal (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    this.size = fstatSync(this.fd).size;
    const fixed = this.read(0, 14);
    if (fixed.length < 14 || !fixed.subarray(0, 8).equals(MAGIC)) {
      this.close();
      throw new InputError(`${path}: not an iommu-journal file (bad magic at offset 0)`);
    }
    const version = fixed.readUInt16LE(8);
    if (!READABLE_VERSIONS.includes(version)) {
      this.close();
      throw new InputError(
        `${path}: journal format v${version} at offset 8 is not one this tool reads (v${READABLE_VERSIONS.join(', v')}): a newer tool wrote it, or the header is corrupt`,
      );
    }
    this.formatVersion = version;
    const len = fixed.readUInt32LE(10);
    if (len > MAX_HEADER_BYTES || 14 + len + 4 > this.size) {
      const why = this.headerLengthProblem(len);
      this.close();
      throw new InputError(`${path}: ${why}`);
    }
    const body = this.read(14, len);
    const crc = this.read(14 + len, 4).readUInt32LE(0);
    if (crc32(body) !== crc) {
      const at = this.headerLengthByChecksum();
      this.close();
      throw new InputError(
        at !== null
          ? `${path}: header is corrupt: its length field (offset 10) says ${len} bytes, but the header's checksum matches at ${at} bytes`
          : `${path}: header is corrupt: its checksum (offset ${14 + len}) does not match its ${len} bytes at offset 14`,
      );
    }
    try {
      this.header = unpackValue(body) as JournalHeader;
    } catch (err) {
      this.close();
      throw new InputError(`${path}: header is corrupt: ${len} bytes at offset 14 do not decode (${(err as Error).message})`);
    }
    this.dataOffset = 14 + len + 4;
    this.headerCrc = crc;
    // known at open (a few bytes per record), so a reader can say it before reading and after closing
    this.status();
  }

  /**
   * The header's length field points past the end of the file or past any real header. If the
   * header's checksum matches at another length, the field itself is damaged; otherwise the file
   * was cut inside its header.
   */
  private headerLengthProblem(len: number): string {
    const at = this.headerLengthByChecksum();
    if (at !== null) return `header is corrupt: its length field (offset 10) says ${len} bytes, but the header's checksum matches at ${at} bytes`;
    if (len > MAX_HEADER_BYTES) return `header is corrupt: its length field (offset 10) says ${len} bytes (a header is at most ${MAX_HEADER_BYTES})`;
    return `header truncated: the file ends at offset ${this.size}, inside its header (${14 + len + 4} bytes)`;
  }

  /** The header length at which the CRC after the body matches and the body decodes, if any. */
  private headerLengthByChecksum(): number | null {
    const room = Math.min(this.size - 18, MAX_HEADER_BYTES);
    if (room <= 0) return null;
    const bytes = this.read(14, room + 4);
    let c = 0xffffffff;
    for (let n = 0; n < room; n++) {
      c = CRC_TABLE[(c ^ bytes[n]) & 0xff] ^ (c >>> 8);
      if (~c >>> 0 === bytes.readUInt32LE(n + 1) && decodes(bytes.subarray(0, n + 1))) return n + 1;
    }
    return null;
  }

  static open(path: string): JournalReader {
    return new JournalReader(path);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private read(offset: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  /** A record's 21-byte frame at `offset`, or what is wrong with it (payload not read). */
  private frameAt(offset: number): { info: RecordInfo; crc: number; frame: Buffer } | Damage {
    if (offset + RECORD_HEADER_BYTES > this.size)
      return { offset, reason: `truncated record header (${this.size - offset} of ${RECORD_HEADER_BYTES} bytes)`, truncated: true };
    const h = this.read(offset, RECORD_HEADER_BYTES);
    const kind = h.readUInt8(0);
    const len = h.readUInt32LE(1);
    const known = kind === RecordKind.events || kind === RecordKind.checkpoint || kind === RecordKind.note || kind === RecordKind.checks || (kind === RecordKind.end && this.formatVersion >= 2);
    if (!known) return { offset, reason: `unknown record kind ${kind}` };
    if (len > MAX_RECORD_BYTES || offset + RECORD_HEADER_BYTES + len > this.size)
      return { offset, reason: `truncated record: payload of ${len} bytes runs past the end of the file (${this.size})`, truncated: true };
    const info = { kind, offset, firstSeq: Number(h.readBigUInt64LE(9)), count: h.readUInt32LE(17), payloadOffset: offset + RECORD_HEADER_BYTES, payloadLength: len };
    return { info, crc: h.readUInt32LE(5), frame: h };
  }

  /** The record at `offset`, checked; null (and `damage` set) if it is incomplete or corrupt. */
  readRecordAt(offset: number): (RecordInfo & { payload: Buffer }) | null {
    const f = this.frameAt(offset);
    if (!('info' in f)) {
      this.damage = f;
      return null;
    }
    const { kind, firstSeq, count } = f.info;
    const payload = this.read(f.info.payloadOffset, f.info.payloadLength);
    if (recordCrc(kind, firstSeq, count, payload) !== f.crc) {
      this.damage = { offset, reason: 'record checksum mismatch (corrupted bytes)' };
      return null;
    }
    return { ...f.info, payload };
  }

  /** Every intact record in order (the end record excepted: see `end`); stops at the first damage. */
  *records(): Generator<RecordInfo & { payload: Buffer }> {
    let off = this.dataOffset;
    let expectSeq = 0;
    while (off < this.size) {
      const r = this.readRecordAt(off);
      if (!r) return;
      if (r.kind === RecordKind.events && r.firstSeq !== expectSeq) {
        this.damage = { offset: off, reason: `events record starts at seq ${r.firstSeq}, expected ${expectSeq}` };
        return;
      }
      if (r.kind === RecordKind.end) {
        // status() checked it against the file; here it only ends the records
        this.end = this.decodeEnd(r.payload);
        const after = this.size - (r.offset + RECORD_HEADER_BYTES + r.payloadLength);
        if (after > 0) this.damage = { offset: r.offset + RECORD_HEADER_BYTES + r.payloadLength, reason: `${after} bytes after the end record` };
        return;
      }
      if (r.kind === RecordKind.events) expectSeq += r.count;
      yield r;
      off = r.offset + RECORD_HEADER_BYTES + r.payloadLength;
    }
  }

  private decodeEnd(payload: Uint8Array): JournalEnd | null {
    try {
      const e = unpackValue(payload) as JournalEnd;
      return typeof e === 'object' && e !== null && typeof e.events === 'number' ? e : null;
    } catch {
      return null;
    }
  }

  /**
   * Whether the writer finished, from the record frames alone (a few bytes per record, payloads
   * unread except the end record's): the events the frames announce, the end record and whether
   * it agrees with them. Payload damage is found by reading (`damage`), not here.
   */
  status(): JournalStatus {
    if (this.statusCache) return this.statusCache;
    let off = this.dataOffset;
    let events = 0;
    const counts = { records: 0, checkpoints: 0, checks: 0, notes: 0 };
    let chain = chainStart(this.headerCrc);
    let st: JournalStatus | null = null;
    while (st === null) {
      if (off >= this.size) {
        st = this.formatVersion < 2 ? { kind: 'unchecked', events } : { kind: 'incomplete', events, cutAt: null };
        break;
      }
      const f = this.frameAt(off);
      if (!('info' in f)) {
        if (this.formatVersion < 2) st = { kind: 'unchecked', events };
        else st = f.truncated ? { kind: 'incomplete', events, cutAt: off } : { kind: 'damaged', events, offset: off, reason: f.reason };
        break;
      }
      const r = f.info;
      if (r.kind === RecordKind.end) {
        st = this.checkEnd(r, f.crc, { events, ...counts, chain });
        break;
      }
      if (r.kind === RecordKind.events) events += r.count;
      else if (r.kind === RecordKind.checkpoint) counts.checkpoints++;
      else if (r.kind === RecordKind.checks) counts.checks++;
      else counts.notes++;
      counts.records++;
      chain = chainCrc(chain, f.frame);
      off = r.payloadOffset + r.payloadLength;
    }
    this.statusCache = st;
    return st;
  }

  /** The end record against what the frames before it hold. */
  private checkEnd(r: RecordInfo, crc: number, seen: Omit<JournalEnd, 'bytes' | 'timeJumps' | 'timeJumpsTruncated'>): JournalStatus {
    const bad = (reason: string): JournalStatus => ({ kind: 'damaged', events: seen.events, offset: r.offset, reason });
    const payload = this.read(r.payloadOffset, r.payloadLength);
    if (recordCrc(r.kind, r.firstSeq, r.count, payload) !== crc) return bad('end record checksum mismatch (corrupted bytes)');
    const end = this.decodeEnd(payload);
    if (end === null) return bad('end record does not decode');
    const after = this.size - (r.payloadOffset + r.payloadLength);
    if (after > 0) return { kind: 'damaged', events: seen.events, offset: r.payloadOffset + r.payloadLength, reason: `${after} bytes after the end record` };
    if (end.events !== seen.events || r.firstSeq !== seen.events) return bad(`end record says ${end.events} events, the records before it hold ${seen.events}`);
    for (const k of ['records', 'checkpoints', 'checks', 'notes'] as const)
      if (end[k] !== seen[k]) return bad(`end record says ${end[k]} ${k === 'records' ? 'records' : `${k} records`}, the file holds ${seen[k]}`);
    if (end.bytes !== r.offset) return bad(`end record says it starts at byte ${end.bytes}`);
    if (end.chain !== seen.chain) return bad('end record checksum of the whole file does not match the records (a record was changed, dropped or moved)');
    return { kind: 'complete', events: seen.events, end };
  }

  /** Record headers only (payloads checked too): the index a seek uses. */
  scan(): { records: RecordInfo[]; events: number; damage: Damage | null } {
    const records: RecordInfo[] = [];
    let events = 0;
    for (const r of this.records()) {
      const { payload: _p, ...info } = r;
      records.push(info);
      if (r.kind === RecordKind.events) events += r.count;
    }
    return { records, events, damage: this.damage };
  }

  /** Decodes an events record. `full` validates every event against the schema. */
  decodeEvents(r: RecordInfo & { payload?: Buffer }, full = false): IommuEvent[] {
    const payload = r.payload ?? this.read(r.payloadOffset, r.payloadLength);
    let raw: Record<string, unknown>[];
    try {
      raw = decodeBlock(payload);
    } catch (err) {
      throw new InputError(`${this.path}: record at offset ${r.offset}: ${(err as Error).message}`);
    }
    if (raw.length !== r.count) throw new InputError(`${this.path}: record at offset ${r.offset}: holds ${raw.length} events, header says ${r.count}`);
    const out: IommuEvent[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const e = raw[i];
      const def = eventDefs.get(e.type as string);
      if (!full && def && e.v === def.version) {
        out[i] = e as unknown as IommuEvent;
        continue;
      }
      const v = validateEvent(e);
      if (!v.ok) throw new InputError(`${this.path}: record at offset ${r.offset}, event seq ${e.seq}: ${v.error}`);
      out[i] = v.event;
    }
    return out;
  }

  decodeCheckpoint(r: RecordInfo & { payload?: Buffer }): State {
    const payload = r.payload ?? this.read(r.payloadOffset, r.payloadLength);
    try {
      const state = decodeCheckpointPayload(payload, (at) => this.checkpointBase(at, r.offset));
      this.lastBase = { offset: r.offset, state };
      return state;
    } catch (err) {
      throw new InputError(`${this.path}: checkpoint at offset ${r.offset} does not restore (${(err as Error).message})`);
    }
  }

  /**
   * The checkpoint a delta was written against (itself a delta or a full one, always an
   * earlier record). The last one is kept: the next delta of the same chain starts from it.
   */
  private checkpointBase(at: CheckpointBase, deltaOffset: number): State {
    if (this.lastBase?.offset === at.offset) return this.lastBase.state;
    if (at.offset < this.dataOffset || at.offset >= deltaOffset) throw new Error(`its base at offset ${at.offset} is not a record before it`);
    const damage = this.damage;
    const b = this.readRecordAt(at.offset);
    this.damage = damage;
    if (b === null || b.kind !== RecordKind.checkpoint || b.firstSeq !== at.firstSeq) throw new Error(`no intact checkpoint before #${at.firstSeq} at offset ${at.offset} to apply it to`);
    const state = decodeCheckpointPayload(b.payload, (x) => this.checkpointBase(x, at.offset));
    this.lastBase = { offset: at.offset, state };
    return state;
  }

  decodeNote(r: RecordInfo & { payload?: Buffer }): Record<string, unknown> {
    const payload = r.payload ?? this.read(r.payloadOffset, r.payloadLength);
    return unpackValue(inflateRawSync(payload)) as Record<string, unknown>;
  }

  /** A checks record: plain data as its writer gave it (replay/ does not interpret it). */
  decodeChecks(r: RecordInfo & { payload?: Buffer }): Record<string, unknown> {
    const payload = r.payload ?? this.read(r.payloadOffset, r.payloadLength);
    try {
      return unpackValue(inflateRawSync(payload)) as Record<string, unknown>;
    } catch (err) {
      throw new InputError(`${this.path}: checks record at offset ${r.offset} does not decode (${(err as Error).message})`);
    }
  }

  /** Every event of the intact part, in order, in blocks. */
  *eventBlocks(full = false): Generator<IommuEvent[]> {
    for (const r of this.records()) if (r.kind === RecordKind.events) yield this.decodeEvents(r, full);
  }

  *events(full = false): Generator<IommuEvent> {
    for (const block of this.eventBlocks(full)) yield* block;
  }

  notes(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const r of this.records()) if (r.kind === RecordKind.note) out.push(this.decodeNote(r));
    return out;
  }
}
