// Appends events to a journal file in framed, checksummed blocks. Every complete record on
// disk stays readable whatever happens later. close() writes the last partial block and the end
// record that says the journal is whole; closeUnfinished() (an error path) writes the last block
// but no end record, so readers say where the writer stopped and nothing appended is lost.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { checkOutputPath, fsReason } from './output-path.js';
import { deflateRawSync } from 'node:zlib';
import { BLOCK_DEFLATE_LEVEL, encodeBlock, eventDefs, type IommuEvent, InputError, packValue } from '../domain-events/index.js';
import { assignSeq } from './event-seq.js';
import { type State } from '../reducers/index.js';
import { type CheckpointBase, encodeCheckpointPayload, encodeDeltaPayload, frameCheckpointBody, frameDeltaBody } from './checkpoint-payload.js';
import {
  chainCrc,
  chainStart,
  crc32,
  encodeRecord,
  FORMAT_VERSION,
  type JournalEnd,
  type JournalHeader,
  MAGIC,
  RECORD_HEADER_BYTES,
  RecordKind,
} from './journal-format.js';
import { TimeJumps } from './time-jumps.js';

export const PRODUCER = 'iommu-journal 0.1.0';
/** deltas in a row before a full checkpoint is written anyway */
export const MAX_DELTA_CHAIN = 8;

export interface JournalWriterOptions {
  readonly profile?: string | null;
  readonly source?: string | null;
  readonly meta?: Record<string, unknown>;
  /** events per block record */
  readonly blockEvents?: number;
  /** replace an existing file: the new journal is written beside it and renamed over it at close */
  readonly overwrite?: boolean;
}

export function encodeHeader(h: JournalHeader): Buffer {
  const body = Buffer.from(packValue(h));
  const out = Buffer.alloc(MAGIC.length + 2 + 4 + body.length + 4);
  MAGIC.copy(out, 0);
  out.writeUInt16LE(FORMAT_VERSION, 8);
  out.writeUInt32LE(body.length, 10);
  body.copy(out, 14);
  out.writeUInt32LE(crc32(body), 14 + body.length);
  return out;
}

export function makeHeader(opts: JournalWriterOptions): JournalHeader {
  const schema: Record<string, number> = {};
  for (const [t, d] of eventDefs) schema[t] = d.version;
  return {
    formatVersion: FORMAT_VERSION,
    producer: PRODUCER,
    profile: opts.profile ?? null,
    source: opts.source ?? null,
    schema,
    createdAt: creationDate(),
    meta: opts.meta ?? {},
  };
}

/** SOURCE_DATE_EPOCH (reproducible builds convention) makes journals byte-identical. */
function creationDate(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return new Date(epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now()).toISOString();
}

export class JournalWriter {
  private fd: number;
  private pending: IommuEvent[] = [];
  private seq = 0;
  private bytes = 0;
  private closed = false;
  private readonly blockEvents: number;
  private readonly tmpPath: string | null;
  /** what the end record will say: record counts by kind, the chained checksum, the clock's jumps */
  private readonly counts = { records: 0, checkpoints: 0, checks: 0, notes: 0 };
  private chain = 0;
  private time = new TimeJumps();
  /**
   * the last checkpoint written, the next delta's base, and how many deltas lead to it from a
   * full one (its state: null when its body was encoded in another thread)
   */
  private last: { readonly at: CheckpointBase; readonly state: State | null; readonly chain: number } | null = null;

  private constructor(
    readonly path: string,
    opts: JournalWriterOptions,
  ) {
    this.blockEvents = opts.blockEvents ?? 4096;
    checkOutputPath(path, !!opts.overwrite);
    this.tmpPath = opts.overwrite && existsSync(path) ? `${path}.partial-${process.pid}` : null;
    try {
      this.fd = openSync(this.tmpPath ?? path, 'wx');
    } catch (err) {
      throw new InputError(`${path}: cannot create the journal: ${fsReason(err)}`);
    }
    const header = encodeHeader(makeHeader(opts));
    this.write(header);
    this.chain = chainStart(header.readUInt32LE(header.length - 4));
  }

  static create(path: string, opts: JournalWriterOptions = {}): JournalWriter {
    return new JournalWriter(path, opts);
  }

  /** seq the next appended event gets */
  get nextSeq(): number {
    return this.seq;
  }

  get bytesWritten(): number {
    return this.bytes;
  }

  /** Appends events in order; events made with seq -1 get their journal position here. */
  append(events: readonly IommuEvent[]): void {
    if (this.closed) throw new Error('journal writer used after close');
    for (const e of events) {
      assignSeq(e, this.seq++);
      this.pending.push(e);
      if (this.pending.length >= this.blockEvents) this.flushBlock();
    }
  }

  /** Writes the state reached after every event appended so far (a point a reader can start from). */
  checkpoint(state: State): void {
    this.flushBlock();
    const at = { offset: this.bytes, firstSeq: this.seq };
    this.writeRecord(encodeRecord(RecordKind.checkpoint, this.seq, 0, encodeCheckpointPayload(state)));
    this.counts.checkpoints++;
    this.last = { at, state, chain: 0 };
  }

  /**
   * Writes the state reached so far as its changes since the previous checkpoint (a full one
   * when there is none yet, or after MAX_DELTA_CHAIN deltas: a restore applies the whole chain).
   */
  checkpointDelta(state: State): void {
    const prev = this.last;
    if (prev === null || prev.state === null || prev.chain >= MAX_DELTA_CHAIN) return this.checkpoint(state);
    this.flushBlock();
    const at = { offset: this.bytes, firstSeq: this.seq };
    this.writeRecord(encodeRecord(RecordKind.checkpoint, this.seq, 0, encodeDeltaPayload(prev.state, state, prev.at)));
    this.counts.checkpoints++;
    this.last = { at, state, chain: prev.chain + 1 };
  }

  /**
   * Events packed in another thread (packBlock, in journal order from seq `firstSeq`), deflated
   * and written here: the same record encodeBlock would have made of them. (That thread keeps
   * their clock's backward jumps: useTimeJumps.)
   */
  appendPacked(firstSeq: number, count: number, packed: Uint8Array): void {
    if (this.closed) throw new Error('journal writer used after close');
    if (this.pending.length) throw new Error('packed events after unpacked ones that were not flushed');
    if (firstSeq !== this.seq) throw new Error(`packed events from seq ${firstSeq}, journal expects ${this.seq}`);
    this.seq += count;
    this.writeRecord(encodeRecord(RecordKind.events, firstSeq, count, deflateRawSync(packed, { level: BLOCK_DEFLATE_LEVEL })));
  }

  /** The clock's backward jumps, observed where the events were (another thread): for the end record. */
  useTimeJumps(time: TimeJumps): void {
    this.time = time;
  }

  /** checkpoint(), with the state's body (encodeState) made in another thread. */
  checkpointBody(body: Uint8Array): void {
    this.flushBlock();
    const at = { offset: this.bytes, firstSeq: this.seq };
    this.writeRecord(encodeRecord(RecordKind.checkpoint, this.seq, 0, frameCheckpointBody(body)));
    this.counts.checkpoints++;
    this.last = { at, state: null, chain: 0 };
  }

  /** checkpointDelta(), with its body (encodeStateDelta against the last checkpoint) made in another thread. */
  checkpointDeltaBody(body: Uint8Array): void {
    const prev = this.last;
    if (prev === null) throw new Error('a delta checkpoint with no checkpoint before it');
    this.flushBlock();
    const at = { offset: this.bytes, firstSeq: this.seq };
    this.writeRecord(encodeRecord(RecordKind.checkpoint, this.seq, 0, frameDeltaBody(body, prev.at)));
    this.counts.checkpoints++;
    this.last = { at, state: null, chain: prev.chain + 1 };
  }

  /** What the fault checks found and kept at the checkpoint just written (see journal-format.ts). */
  checks(value: Record<string, unknown>): void {
    this.checksPacked(packValue(value));
  }

  /** checks(), with the value packed (packValue) in another thread */
  checksPacked(packed: Uint8Array): void {
    this.flushBlock();
    this.writeRecord(encodeRecord(RecordKind.checks, this.seq, 0, deflateRawSync(packed, { level: 1 })));
    this.counts.checks++;
  }

  note(value: Record<string, unknown>): void {
    this.notePacked(packValue(value));
  }

  /** note(), with the value packed (packValue) in another thread */
  notePacked(packed: Uint8Array): void {
    this.flushBlock();
    this.writeRecord(encodeRecord(RecordKind.note, this.seq, 0, deflateRawSync(packed)));
    this.counts.notes++;
  }

  flushBlock(): void {
    if (this.pending.length === 0) return;
    const block = this.pending;
    this.pending = [];
    this.time.observe(block);
    this.writeRecord(encodeRecord(RecordKind.events, block[0].seq, block.length, encodeBlock(block)));
  }

  /** Finishes the journal: the last block, then the end record that says it is whole. */
  close(): void {
    this.finish(true);
  }

  /**
   * Stops after a failure: the last block is written (nothing appended is lost) but no end
   * record, so every reader says the writer stopped after the last event.
   */
  closeUnfinished(): void {
    this.finish(false);
  }

  private finish(whole: boolean): void {
    if (this.closed) return;
    try {
      this.flushBlock();
      if (whole) this.writeEnd();
      fsyncSync(this.fd);
    } finally {
      this.closed = true;
      closeSync(this.fd);
      if (this.tmpPath) {
        renameSync(this.tmpPath, this.path);
      }
    }
  }

  /** Gives up on an overwrite: the old file stays as it was. A new file keeps what was written. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    if (this.tmpPath) unlinkSync(this.tmpPath);
  }

  private writeEnd(): void {
    const end: JournalEnd = {
      events: this.seq,
      ...this.counts,
      bytes: this.bytes,
      chain: this.chain,
      timeJumps: this.time.jumps,
      timeJumpsTruncated: this.time.truncated,
    };
    this.write(encodeRecord(RecordKind.end, this.seq, 0, packValue(end)));
  }

  private writeRecord(buf: Buffer): void {
    this.write(buf);
    this.chain = chainCrc(this.chain, buf.subarray(0, RECORD_HEADER_BYTES));
    this.counts.records++;
  }

  private write(buf: Buffer): void {
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    } catch (err) {
      // a full disk mid-import: what is on disk stays readable up to the last whole record
      throw new InputError(`${this.path}: write failed at byte ${this.bytes + off}: ${fsReason(err)}`);
    }
    this.bytes += buf.length;
  }
}
