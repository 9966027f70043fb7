// A Timeline (seekable journal) for any input: a journal as is, a trace through its imported
// journal, JSONL events written to a temporary journal with checkpoints.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCompanion } from '../checks/index.js';
import { JournalRecorder } from '../replay/index.js';
import { Timeline } from '../replay/seek.js';
import { type EventSource, type OpenOptions, openSource } from './inputs.js';
import { warn } from './output.js';

export interface OpenTimeline {
  readonly tl: Timeline;
  readonly src: EventSource;
  /** damage or a writer that stopped, for stderr; a command that read such a journal exits 1 */
  readonly problems: readonly string[];
  close(): void;
}

/** `checks`: an input that is not a journal yet is recorded with the checks' records (for bisect). */
export async function openTimeline(input: string, opts: OpenOptions = {}): Promise<OpenTimeline> {
  const src = await openSource(input, opts);
  if (src.journal !== undefined) {
    const tl = Timeline.open(src.journal, input);
    for (const n of tl.notes) warn(n);
    // the source's own (an import's skipped lines) and the journal's, each said once
    return { tl, src, problems: [...new Set([...src.problems, ...tl.problems])], close: () => (tl.close(), src.close()) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'iommu-journal-tl-'));
  try {
    const rec = JournalRecorder.create(join(dir, 'events.journal'), { source: input, checkpointEvery: 4096, companion: opts.checks ? checkCompanion() : undefined });
    for (const b of src.blocks()) rec.append(b);
    rec.close();
    src.close();
    const tl = Timeline.open(join(dir, 'events.journal'), input);
    return { tl, src, problems: [...src.problems, ...tl.problems], close: () => (tl.close(), rmSync(dir, { recursive: true, force: true })) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
