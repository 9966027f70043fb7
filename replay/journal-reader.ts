// Reads a journal front to back. Damage (a truncated tail, a flipped bit, garbage) ends the
// readable part: every complete record before it is returned, and `damage` names the byte
// offset and what is wrong there.
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
  crc32,
  FORMAT_VERSION,
  type JournalHeader,
  MAGIC,
  MAX_RECORD_BYTES,
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
}

export class JournalReader {
  readonly header: JournalHeader;
  /** where the first record starts */
  readonly dataOffset: number;
  readonly size: number;
  /** set once a read ran into damage */
  damage: Damage | null = null;
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
    if (version !== FORMAT_VERSION) {
      this.close();
      throw new InputError(`${path}: journal format v${version} is not supported by this tool (v${FORMAT_VERSION})`);
    }
    const len = fixed.readUInt32LE(10);
    if (len > MAX_RECORD_BYTES || 14 + len + 4 > this.size) {
      this.close();
      throw new InputError(`${path}: header truncated at offset ${this.size} (header needs ${14 + len + 4} bytes)`);
    }
    const body = this.read(14, len);
    const crc = this.read(14 + len, 4).readUInt32LE(0);
    if (crc32(body) !== crc) {
      this.close();
      throw new InputError(`${path}: header checksum mismatch at offset 14`);
    }
    try {
      this.header = unpackValue(body) as JournalHeader;
    } catch (err) {
      this.close();
      throw new InputError(`${path}: header at offset 14 does not decode (${(err as Error).message})`);
    }
    this.dataOffset = 14 + len + 4;
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

  /** The record at `offset`, checked; null (and `damage` set) if it is incomplete or corrupt. */
  readRecordAt(offset: number): (RecordInfo & { payload: Buffer }) | null {
    if (offset + RECORD_HEADER_BYTES > this.size) {
      this.damage = { offset, reason: `truncated record header (${this.size - offset} of ${RECORD_HEADER_BYTES} bytes)` };
      return null;
    }
    const h = this.read(offset, RECORD_HEADER_BYTES);
    const kind = h.readUInt8(0);
    const len = h.readUInt32LE(1);
    const crc = h.readUInt32LE(5);
    const firstSeq = Number(h.readBigUInt64LE(9));
    const count = h.readUInt32LE(17);
    if (kind !== RecordKind.events && kind !== RecordKind.checkpoint && kind !== RecordKind.note && kind !== RecordKind.checks) {
      this.damage = { offset, reason: `unknown record kind ${kind}` };
      return null;
    }
    if (len > MAX_RECORD_BYTES || offset + RECORD_HEADER_BYTES + len > this.size) {
      this.damage = { offset, reason: `truncated record: payload of ${len} bytes runs past the end of the file (${this.size})` };
      return null;
    }
    const payload = this.read(offset + RECORD_HEADER_BYTES, len);
    if (recordCrc(kind, firstSeq, count, payload) !== crc) {
      this.damage = { offset, reason: 'record checksum mismatch (corrupted bytes)' };
      return null;
    }
    return { kind, offset, firstSeq, count, payloadOffset: offset + RECORD_HEADER_BYTES, payloadLength: len, payload };
  }

  /** Every intact record in order; stops at the first damage. */
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
      if (r.kind === RecordKind.events) expectSeq += r.count;
      yield r;
      off = r.offset + RECORD_HEADER_BYTES + r.payloadLength;
    }
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
