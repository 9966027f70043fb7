// Where the UI reads events from: blocks it can fetch by index, so a seek or an events page
// decodes one block instead of the whole journal. A journal is read in place (its records are
// the blocks); anything else (JSONL, tests) is held in memory, cut into blocks.
import { type IommuEvent } from '../domain-events/index.js';
import { type JournalReader, RecordKind, type RecordInfo } from '../replay/index.js';

export interface BlockInfo {
  readonly firstSeq: number;
  readonly count: number;
}

export interface EventStore {
  readonly input: string;
  readonly profile: string | null;
  readonly events: number;
  readonly blocks: readonly BlockInfo[];
  /** problems met while reading (damage), for stderr */
  readonly problems: readonly string[];
  /** the journal header's metadata (what the import of a trace assumed and decided); none in memory */
  readonly meta?: Readonly<Record<string, unknown>>;
  readBlock(i: number): readonly IommuEvent[];
  close(): void;
}

/** Index of the block holding `seq` (binary search on firstSeq). */
export function blockIndexOf(blocks: readonly BlockInfo[], seq: number): number {
  let lo = 0;
  let hi = blocks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (blocks[mid].firstSeq <= seq) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function memoryStore(input: string, profile: string | null, events: readonly IommuEvent[], blockEvents = 4096, cleanup?: () => void): EventStore {
  const parts: (readonly IommuEvent[])[] = [];
  const blocks: BlockInfo[] = [];
  for (let i = 0; i < events.length; i += blockEvents) {
    const part = events.slice(i, i + blockEvents);
    parts.push(part);
    blocks.push({ firstSeq: part[0].seq, count: part.length });
  }
  return { input, profile, events: events.length, blocks, problems: [], readBlock: (i) => parts[i], close: () => cleanup?.() };
}

/**
 * A journal read in place. `transform` (the redactor) is applied to each block as it is
 * decoded; it must be deterministic per event, as blocks are decoded again on demand.
 */
export function journalStore(input: string, reader: JournalReader, opts: { transform?: (b: readonly IommuEvent[]) => readonly IommuEvent[]; cleanup?: () => void } = {}): EventStore {
  const scan = reader.scan();
  const records: RecordInfo[] = scan.records.filter((r) => r.kind === RecordKind.events && r.count > 0);
  const problems = scan.damage ? [`${input}: journal damaged at offset ${scan.damage.offset}: ${scan.damage.reason}; events before it are shown`] : [];
  return {
    input,
    profile: reader.header.profile,
    meta: reader.header.meta,
    events: scan.events,
    blocks: records.map((r) => ({ firstSeq: r.firstSeq, count: r.count })),
    problems,
    readBlock(i) {
      const evs = reader.decodeEvents(records[i]);
      return opts.transform ? opts.transform(evs) : evs;
    },
    close() {
      reader.close();
      opts.cleanup?.();
    },
  };
}
