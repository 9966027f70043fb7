// Where the page reads a run from: a journal behind the same Timeline the command line seeks
// with (replay/seek.ts: checkpoints, anchors). A journal is read in place; anything else (a
// trace, JSONL, a redacted copy, tests' events) is first recorded into a temporary journal with
// checkpoints, removed on close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IommuEvent } from '../domain-events/index.js';
import { JournalRecorder, Timeline } from '../replay/index.js';

/** checkpoint spacing of the journals the page records for itself (as `import` and the CLI's own temporary journals) */
export const UI_CHECKPOINT_EVERY = 4096;

export interface EventStore {
  readonly input: string;
  readonly profile: string | null;
  readonly timeline: Timeline;
  /** problems met while reading (damage, a writer that did not finish), for stderr */
  readonly problems: readonly string[];
  /** the journal header's metadata (what the import of a trace assumed and decided) */
  readonly meta: Readonly<Record<string, unknown>>;
  close(): void;
}

/** A journal read in place (`cleanup`: what to remove on close, e.g. the temporary folder it sits in). */
export function journalStore(
  input: string,
  path: string,
  opts: { cleanup?: () => void; profile?: string | null; problems?: readonly string[]; meta?: Readonly<Record<string, unknown>> } = {},
): EventStore {
  let tl: Timeline;
  try {
    tl = Timeline.open(path, input);
  } catch (err) {
    opts.cleanup?.();
    throw err;
  }
  return {
    input,
    profile: opts.profile !== undefined ? opts.profile : tl.reader.header.profile,
    timeline: tl,
    problems: [...(opts.problems ?? []), ...tl.problems],
    meta: opts.meta ?? tl.reader.header.meta,
    close() {
      tl.close();
      opts.cleanup?.();
    },
  };
}

/**
 * Events from anywhere, recorded into a temporary journal with checkpoints and opened. `transform`
 * (the redactor) is applied to each block on the way in.
 */
export function recordedStore(
  input: string,
  profile: string | null,
  blocks: Iterable<readonly IommuEvent[]>,
  opts: { transform?: (b: readonly IommuEvent[]) => readonly IommuEvent[]; blockEvents?: number; problems?: readonly string[]; meta?: Readonly<Record<string, unknown>> } = {},
): EventStore {
  const dir = mkdtempSync(join(tmpdir(), 'iommu-journal-ui-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, 'run.journal');
  try {
    const rec = JournalRecorder.create(path, { source: input, profile, checkpointEvery: UI_CHECKPOINT_EVERY, blockEvents: opts.blockEvents });
    for (const b of blocks) rec.append(opts.transform ? opts.transform(b) : b);
    rec.close();
  } catch (err) {
    cleanup();
    throw err;
  }
  return journalStore(input, path, { cleanup, profile, problems: opts.problems, meta: opts.meta });
}

/** Events held in memory (tests, small inputs), as a journal with `blockEvents` per block. */
export function memoryStore(input: string, profile: string | null, events: readonly IommuEvent[], blockEvents = 4096): EventStore {
  return recordedStore(input, profile, [events], { blockEvents });
}
