// What a command can read: a journal, JSONL events, or (through registered loaders) raw kernel
// traces and capture folders. Each becomes a source of event blocks.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { type IommuEvent, InputError } from '../domain-events/index.js';
import { type AssumeFlags } from '../ingest/facts/index.js';
import { journalNotes, journalProblems, JournalReader, MAGIC, readJsonl } from '../replay/index.js';
import { warn } from './output.js';

export interface EventSource {
  readonly kind: string;
  readonly path: string;
  /** the journal file behind the source (a trace is imported into one), for seeks */
  readonly journal?: string;
  /** profile named in the journal header, if any */
  readonly profile: string | null;
  blocks(): Iterable<readonly IommuEvent[]>;
  /** problems met while reading (damage, parse errors), for stderr */
  readonly problems: string[];
  /** what the import of a trace assumed (journal metadata `assumed`): none for a journal made otherwise */
  readonly assumed?: readonly string[];
  /** the facts the import of a trace decided, with how (journal metadata `facts`); absent: every fact came from the model */
  readonly facts?: Readonly<Record<string, { readonly value: unknown; readonly how: string; readonly source: string }>>;
  close(): void;
}

export interface OpenOptions {
  readonly quiet?: boolean;
  /** `checks`: run the fault checks while importing and keep their records in the journal (for bisect) */
  readonly checks?: boolean;
  /** --kernel, --lazy/--strict, --arch, --groups for a trace */
  readonly assume?: AssumeFlags;
}

export interface SourceLoader {
  readonly kind: string;
  /** true when this loader understands the file or folder */
  detect(path: string, head: Buffer): boolean;
  /** `checks`: run the fault checks while importing and keep their records in the journal (for bisect) */
  open(path: string, opts: { quiet: boolean; checks: boolean; assume: AssumeFlags }): Promise<EventSource>;
}

const loaders: SourceLoader[] = [];

/** Trace importers register themselves here (ingest/), so journal-only commands take traces too. */
export function registerSourceLoader(l: SourceLoader): void {
  if (!loaders.some((x) => x.kind === l.kind)) loaders.push(l);
}

function head(path: string): Buffer {
  if (statSync(path).isDirectory()) return Buffer.alloc(0);
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(512);
    const n = readSync(fd, b, 0, 512, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** What a journal's header says the import of its trace assumed and decided. */
export function importFacts(meta: Readonly<Record<string, unknown>>): Pick<EventSource, 'assumed' | 'facts'> {
  const assumed = Array.isArray(meta.assumed) ? meta.assumed.filter((x): x is string => typeof x === 'string') : undefined;
  const facts = typeof meta.facts === 'object' && meta.facts !== null ? (meta.facts as EventSource['facts']) : undefined;
  return { ...(assumed ? { assumed } : {}), ...(facts ? { facts } : {}) };
}

/**
 * A journal read front to back. Its problems (damage met while reading, a writer that did not
 * finish) are known once the blocks have been read to the end; `label` names the input in them.
 */
export function journalSource(path: string, label = path, before: readonly string[] = []): EventSource {
  const r = JournalReader.open(path);
  // what the record frames say (a writer that stopped) is known before reading; damage after.
  // `before`: what went wrong making the journal (an import's skipped lines)
  const problems: string[] = [...before, ...journalProblems(r, label)];
  for (const n of journalNotes(r, label)) warn(n);
  return {
    kind: 'journal',
    path,
    journal: path,
    profile: r.header.profile,
    problems,
    ...importFacts(r.header.meta),
    *blocks() {
      yield* r.eventBlocks();
      problems.splice(0, problems.length, ...before, ...journalProblems(r, label));
    },
    close: () => r.close(),
  };
}

/** --kernel and the rest say what a trace does not; a journal's facts were fixed when it was imported. */
function flagsIgnored(path: string, opts: OpenOptions): void {
  const given = Object.keys(opts.assume ?? {}).map((k) => (k === 'fq' ? `--${opts.assume!.fq}` : `--${k}`));
  if (given.length) warn(`${path}: ${given.join(', ')} ignored: they apply when a trace is imported, and this is not a trace`);
}

export async function openSource(path: string, opts: OpenOptions = {}): Promise<EventSource> {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or directory`);
  const h = head(path);
  if (h.subarray(0, MAGIC.length).equals(MAGIC)) {
    flagsIgnored(path, opts);
    return journalSource(path);
  }
  for (const l of loaders) if (l.detect(path, h)) return l.open(path, { quiet: opts.quiet ?? false, checks: opts.checks ?? false, assume: opts.assume ?? {} });
  const text = h.toString('utf8').trimStart();
  if (text.startsWith('{')) {
    flagsIgnored(path, opts);
    const { events } = readJsonl(path);
    return { kind: 'jsonl', path, profile: null, problems: [], blocks: () => [events], close: () => undefined };
  }
  throw new InputError(`${path}: not a journal, JSONL event file, or a trace this tool can import`);
}
