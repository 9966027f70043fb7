// Opens what `ui` is given as an EventStore over a journal: a journal in place, a kernel trace
// imported into a temporary journal first, JSONL recorded into one (removed on close); with
// --redact, a redacted copy. All checks that can fail on bad input run here, before any server
// starts.
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type IommuEvent, InputError } from '../domain-events/index.js';
import { isTraceInput } from '../ingest/detect.js';
import { type AssumeFlags } from '../ingest/facts/index.js';
import { type ImportSummary, importTrace } from '../ingest/importer.js';
import { Redactor } from '../ingest/redact.js';
import { MAGIC, readJsonl, type Timeline } from '../replay/index.js';
import { type EventStore, journalStore, recordedStore, UI_CHECKPOINT_EVERY } from './store.js';

export interface OpenOptions {
  /** replace physical addresses with stable pseudonyms */
  readonly redact?: boolean;
  /** trace import progress: bytes read so far and the file size */
  readonly onProgress?: (done: number, total: number, events: number) => void;
  /** --kernel, --lazy/--strict, --arch, --groups for a trace */
  readonly assume?: AssumeFlags;
  /** what the import of a trace assumed, could not know, or found against a flag */
  readonly onFacts?: (s: Pick<ImportSummary, 'trace' | 'assumed' | 'unknown' | 'factWarnings'>) => void;
}

function head(path: string): Buffer {
  if (statSync(path).isDirectory()) return Buffer.alloc(0);
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(512);
    return b.subarray(0, readSync(fd, b, 0, 512, 0));
  } finally {
    closeSync(fd);
  }
}

function* blocksOf(tl: Timeline): Generator<readonly IommuEvent[]> {
  for (let i = 0; i < tl.blockCount(); i++) yield tl.blockEvents(i);
}

/**
 * A redacted copy: pseudonyms follow the order of first use, so the copy is made once, in
 * journal order, and every later read (and every checkpoint) sees the same pseudonyms.
 */
function redacted(s: EventStore): EventStore {
  const r = new Redactor();
  try {
    return recordedStore(s.input, s.profile, blocksOf(s.timeline), { transform: (b) => b.map((e) => r.event(e)), problems: s.problems, meta: s.meta });
  } finally {
    s.close();
  }
}

async function openPlain(path: string, h: Buffer, opts: OpenOptions): Promise<EventStore> {
  if (h.subarray(0, MAGIC.length).equals(MAGIC)) return journalStore(path, path);
  if (isTraceInput(path, h)) {
    const dir = mkdtempSync(join(tmpdir(), 'iommu-journal-ui-'));
    const out = join(dir, basename(path).replace(/(\.txt)?(\.gz)?$/, '') + '.journal');
    const cleanup = () => rmSync(dir, { recursive: true, force: true });
    try {
      const r = await importTrace(path, { output: out, checkpointEvery: UI_CHECKPOINT_EVERY, onProgress: opts.onProgress, assume: opts.assume });
      opts.onFacts?.(r.summary);
    } catch (err) {
      cleanup();
      throw err;
    }
    return journalStore(path, out, { cleanup });
  }
  if (h.toString('utf8').trimStart().startsWith('{')) {
    const { events } = readJsonl(path);
    return recordedStore(path, null, [events]);
  }
  throw new InputError(`${path}: not a journal, JSONL event file, or a trace this tool can import`);
}

export async function openUiInput(path: string, opts: OpenOptions = {}): Promise<EventStore> {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or directory`);
  const plain = await openPlain(path, head(path), opts);
  return checked(opts.redact ? redacted(plain) : plain);
}

function checked(s: EventStore): EventStore {
  if (s.timeline.total === 0) {
    const why = s.problems[0] ?? 'it holds no events';
    s.close();
    throw new InputError(`${s.input}: nothing to show: ${why}`);
  }
  return s;
}
