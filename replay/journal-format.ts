// The journal file format, version 2 (version 1 is still read).
//
//   header  : "IOMMUJNL" | u16 format | u32 length | msgpack JournalHeader | u32 crc32
//   record* : u8 kind | u32 payload length | u32 crc32 | u64 first seq | u32 count | payload
//   end     : the record of kind 5, last in the file (version 2)
//
// All integers little-endian. The crc32 of a record covers kind, first seq, count and payload,
// so a flipped bit anywhere is caught. Records are only ever appended: a reader stops at the
// first incomplete or corrupt record and everything before it stays usable.
//
// Record kinds:
//   1 events     : a block of `count` events starting at `first seq` (domain-events codec)
//   2 checkpoint : the state after event `first seq - 1` (i.e. before `first seq`), deflated msgpack
//   3 note       : producer notes (diagnostics summary, attribution report), deflated msgpack
//   4 checks     : beside a checkpoint (same first seq): what the fault checks had found and kept
//                  after event `first seq - 1` (finding counts per check, their private indices),
//                  deflated msgpack. Written only when the checks ran while recording; a reader that
//                  does not need it skips it. Bisect for a check probes these instead of replaying.
//   5 end        : written once, by a writer that finished (version 2): `first seq` = events
//                  written, msgpack JournalEnd (record counts, where it starts, the chained
//                  checksum below, the trace clock's backward jumps). A version-2 file without it
//                  is incomplete: its writer stopped (killed, crashed) after its last event.
//                  Version 1 had no end record, so a version-1 file cannot say whether it is whole.
//
// The chained checksum covers the whole file without reading it twice: CRC-32 over the header's
// CRC and then every record's 21-byte frame in order. Each frame holds the CRC of its own
// payload, so a changed byte anywhere fails a record's CRC, and a record dropped, added or
// moved changes the chain.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';

export const MAGIC = Buffer.from('IOMMUJNL', 'latin1');
export const FORMAT_VERSION = 2;
/** format versions this tool reads */
export const READABLE_VERSIONS: readonly number[] = [1, 2];
export const RECORD_HEADER_BYTES = 21;
export const MAX_RECORD_BYTES = 1 << 30;
/** a header is a few KiB of metadata; a length field past this is damage, not a big header */
export const MAX_HEADER_BYTES = 1 << 20;

export const RecordKind = { events: 1, checkpoint: 2, note: 3, checks: 4, end: 5 } as const;
export type RecordKindName = keyof typeof RecordKind;

/** A backward step of the trace clock: event `seq` has an earlier timestamp than the event before it. */
export interface TimeJump {
  readonly seq: number;
  /** ns of the last timed event before `seq` */
  readonly from: number;
  /** ns of event `seq` */
  readonly to: number;
}

/** The end record's payload: what the writer wrote, so a reader can tell a whole file from a cut one. */
export interface JournalEnd {
  readonly events: number;
  /** records before the end record, and of each kind */
  readonly records: number;
  readonly checkpoints: number;
  readonly checks: number;
  readonly notes: number;
  /** byte offset of the end record (the file's length without it) */
  readonly bytes: number;
  /** chained CRC-32 of the header and every record frame (see above) */
  readonly chain: number;
  /** backward jumps of the trace clock, in order (at most MAX_TIME_JUMPS) */
  readonly timeJumps: readonly TimeJump[];
  /** more jumps happened than were kept */
  readonly timeJumpsTruncated: boolean;
}

export const MAX_TIME_JUMPS = 4096;

export interface JournalHeader {
  readonly formatVersion: number;
  /** tool and version that wrote the file */
  readonly producer: string;
  /** behaviour profile the events were decided with, or the one a trace was matched to */
  readonly profile: string | null;
  /** what the events came from: a trace path, a workload, a scenario */
  readonly source: string | null;
  /** event type -> schema version at write time */
  readonly schema: Readonly<Record<string, number>>;
  readonly createdAt: string;
  /** anything else the producer wants to record (capture metadata, options) */
  readonly meta: Readonly<Record<string, unknown>>;
}

/** CRC-32 (IEEE) table, for readers that need the CRC of every prefix */
export const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE); zlib's when this Node has it. */
export function crc32(data: Uint8Array, prev = 0): number {
  if (typeof zlibCrc32 === 'function') return zlibCrc32(data, prev) >>> 0;
  let c = ~prev >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export function recordCrc(kind: number, firstSeq: number, count: number, payload: Uint8Array): number {
  const head = Buffer.alloc(13);
  head.writeUInt8(kind, 0);
  head.writeBigUInt64LE(BigInt(firstSeq), 1);
  head.writeUInt32LE(count, 9);
  return crc32(payload, crc32(head));
}

export function encodeRecord(kind: number, firstSeq: number, count: number, payload: Uint8Array): Buffer {
  const buf = Buffer.alloc(RECORD_HEADER_BYTES + payload.length);
  buf.writeUInt8(kind, 0);
  buf.writeUInt32LE(payload.length, 1);
  buf.writeUInt32LE(recordCrc(kind, firstSeq, count, payload), 5);
  buf.writeBigUInt64LE(BigInt(firstSeq), 9);
  buf.writeUInt32LE(count, 17);
  buf.set(payload, RECORD_HEADER_BYTES);
  return buf;
}

/** The chained checksum's next value after one record frame (the first 21 bytes of a record). */
export function chainCrc(prev: number, frame: Uint8Array): number {
  return crc32(frame, prev);
}

/** The chain starts from the header's CRC. */
export function chainStart(headerCrc: number): number {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(headerCrc >>> 0, 0);
  return crc32(b);
}

/** The file starts with the journal magic (a regular file that can be read). */
export function isJournalFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const b = Buffer.alloc(MAGIC.length);
      return readSync(fd, b, 0, b.length, 0) === b.length && b.equals(MAGIC);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
