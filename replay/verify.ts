// journal verify: walk every record, check checksums and sequence, decode and validate every
// event and checkpoint, and say where the readable part ends.
import { type JournalHeader, RecordKind } from './journal-format.js';
import { JournalReader } from './journal-reader.js';

export interface VerifyReport {
  readonly file: string;
  readonly ok: boolean;
  readonly header: Pick<JournalHeader, 'formatVersion' | 'producer' | 'profile' | 'source'> | null;
  readonly records: number;
  readonly events: number;
  readonly checkpoints: number;
  /** checks records (the fault checks ran while recording) */
  readonly checksRecords: number;
  readonly notes: number;
  readonly bytes: number;
  /** byte offset where the intact part ends, and why; null when the whole file is intact */
  readonly damage: { readonly offset: number; readonly reason: string } | null;
}

export function verifyJournal(path: string): VerifyReport {
  const r = JournalReader.open(path);
  let records = 0;
  let events = 0;
  let checkpoints = 0;
  let checksRecords = 0;
  let notes = 0;
  let damage = null as VerifyReport['damage'];
  try {
    for (const rec of r.records()) {
      try {
        if (rec.kind === RecordKind.events) events += r.decodeEvents(rec, true).length;
        else if (rec.kind === RecordKind.checkpoint) {
          r.decodeCheckpoint(rec);
          checkpoints++;
        } else if (rec.kind === RecordKind.checks) {
          r.decodeChecks(rec);
          checksRecords++;
        } else {
          r.decodeNote(rec);
          notes++;
        }
      } catch (err) {
        damage = { offset: rec.offset, reason: (err as Error).message.replace(`${path}: `, '') };
        break;
      }
      records++;
    }
    damage ??= r.damage;
  } finally {
    r.close();
  }
  const h = r.header;
  return {
    file: path,
    ok: damage === null,
    header: { formatVersion: h.formatVersion, producer: h.producer, profile: h.profile, source: h.source },
    records,
    events,
    checkpoints,
    checksRecords,
    notes,
    bytes: r.size,
    damage,
  };
}
