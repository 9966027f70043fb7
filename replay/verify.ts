// journal verify: walk every record, check checksums and sequence, decode and validate every
// event and checkpoint, check the end record against the whole file, and say where the
// readable part ends.
import { type JournalHeader, RecordKind } from './journal-format.js';
import { JournalReader } from './journal-reader.js';
import { incompleteText } from './journal-problems.js';

export interface VerifyReport {
  readonly file: string;
  /** every record intact and decodable, and the writer finished (or, format v1, cannot tell) */
  readonly ok: boolean;
  readonly header: Pick<JournalHeader, 'formatVersion' | 'producer' | 'profile' | 'source'> | null;
  readonly records: number;
  readonly events: number;
  readonly checkpoints: number;
  /** checks records (the fault checks ran while recording) */
  readonly checksRecords: number;
  readonly notes: number;
  readonly bytes: number;
  /** the end record is there and agrees with the file; false: the writer stopped; null: format v1 has no end record */
  readonly complete: boolean | null;
  /** "incomplete: the writer stopped after event N …" when it did */
  readonly incomplete: string | null;
  /** byte offset where the intact part ends, and why; null when nothing is damaged */
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
  let status;
  try {
    status = r.status();
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
    // a file cut inside a record is the incomplete case, said as such; other damage is damage
    if (damage === null && r.damage && !(r.damage.truncated && status.kind === 'incomplete')) damage = { offset: r.damage.offset, reason: r.damage.reason };
    if (damage === null && status.kind === 'damaged') damage = { offset: status.offset, reason: status.reason };
  } finally {
    r.close();
  }
  const h = r.header;
  const complete = status.kind === 'complete' ? true : status.kind === 'unchecked' ? null : false;
  return {
    file: path,
    ok: damage === null && complete !== false,
    header: { formatVersion: r.formatVersion, producer: h.producer, profile: h.profile, source: h.source },
    records,
    events,
    checkpoints,
    checksRecords,
    notes,
    bytes: r.size,
    complete,
    incomplete: status.kind === 'incomplete' ? incompleteText(status) : null,
    damage,
  };
}
