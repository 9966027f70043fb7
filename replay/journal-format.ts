// The journal file format, version 1.
//
//   header  : "IOMMUJNL" | u16 format | u32 length | msgpack JournalHeader | u32 crc32
//   record* : u8 kind | u32 payload length | u32 crc32 | u64 first seq | u32 count | payload
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
import { crc32 as zlibCrc32 } from 'node:zlib';

export const MAGIC = Buffer.from('IOMMUJNL', 'latin1');
export const FORMAT_VERSION = 1;
export const RECORD_HEADER_BYTES = 21;
export const MAX_RECORD_BYTES = 1 << 30;

export const RecordKind = { events: 1, checkpoint: 2, note: 3, checks: 4 } as const;
export type RecordKindName = keyof typeof RecordKind;

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

const TABLE = (() => {
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
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
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
