// Opens what `ui` is given as an EventStore: a journal in place, a kernel trace imported into
// a temporary journal first (removed on close), JSONL held in memory. All checks that can fail
// on bad input run here, before any server starts.
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type IommuEvent, InputError } from '../domain-events/index.js';
import { isTraceInput } from '../ingest/detect.js';
import { importTrace } from '../ingest/importer.js';
import { Redactor } from '../ingest/redact.js';
import { JournalReader, MAGIC, readJsonl } from '../replay/index.js';
import { type EventStore, journalStore, memoryStore } from './store.js';

export interface OpenOptions {
  /** replace physical addresses with stable pseudonyms */
  readonly redact?: boolean;
  /** trace import progress: bytes read so far and the file size */
  readonly onProgress?: (done: number, total: number, events: number) => void;
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

/**
 * A redactor per store: pseudonyms follow the order of first use, and every block is decoded
 * in journal order once at load, so a block decoded again later gets the same pseudonyms.
 */
function redactTransform(on: boolean): ((b: readonly IommuEvent[]) => readonly IommuEvent[]) | undefined {
  if (!on) return undefined;
  const r = new Redactor();
  return (b) => b.map((e) => r.event(e));
}

export async function openUiInput(path: string, opts: OpenOptions = {}): Promise<EventStore> {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or directory`);
  const h = head(path);
  const transform = redactTransform(!!opts.redact);
  if (h.subarray(0, MAGIC.length).equals(MAGIC)) return checked(journalStore(path, JournalReader.open(path), { transform }));
  if (isTraceInput(path, h)) {
    const dir = mkdtempSync(join(tmpdir(), 'iommu-journal-ui-'));
    const out = join(dir, basename(path).replace(/(\.txt)?(\.gz)?$/, '') + '.journal');
    const cleanup = () => rmSync(dir, { recursive: true, force: true });
    try {
      await importTrace(path, { output: out, onProgress: opts.onProgress });
      return checked(journalStore(path, JournalReader.open(out), { transform, cleanup }));
    } catch (err) {
      cleanup();
      throw err;
    }
  }
  if (h.toString('utf8').trimStart().startsWith('{')) {
    const { events } = readJsonl(path);
    return checked(memoryStore(path, null, transform ? transform(events) : events));
  }
  throw new InputError(`${path}: not a journal, JSONL event file, or a trace this tool can import`);
}

function checked(s: EventStore): EventStore {
  if (s.events === 0) {
    const why = s.problems[0] ?? 'it holds no events';
    s.close();
    throw new InputError(`${s.input}: nothing to show: ${why}`);
  }
  return s;
}
