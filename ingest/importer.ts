// trace → journal: stream the lines, parse them, attribute maps and unmaps to domains, and
// write the events with their provenance (file + line). Memory stays bounded by the read
// chunk and the attribution window; whatever was written before a failure stays in the journal.
import { statSync } from 'node:fs';
import { type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState, type State, Tx } from '../reducers/index.js';
import { type CheckpointCompanion, JournalRecorder } from '../replay/index.js';
import { Attributor } from './attribute/attributor.js';
import { type BlindScore } from './attribute/ground-truth.js';
import { type AttributionStats } from './attribute/stats.js';
import { type EvidenceWeights } from './attribute/weights.js';
import { type CaptureInfo, readCapture } from './capture.js';
import { Diagnostics, formatProblem } from './diagnostics.js';
import { type AssumeFlags, factsFor, type ImportFacts } from './facts/index.js';
import { checkFormats } from './ftrace/formats.js';
import { newHeader, type TraceHeader } from './ftrace/parse.js';
import { type PredictionScore } from './predict/score.js';
import { isTraceDat } from './detect.js';
import { recordSource } from './record-source.js';

/** text inputs from this size on are written in two threads (a thread starts in ~0.1 s: ~50 k events of text) */
export const THREADS_FROM_BYTES = 8 << 20;
/** a trace.dat holds ~8x the events per byte of report text (binary records, compressed pages) */
const TRACEDAT_THREADS_FROM_BYTES = 1 << 20;

export interface ImportOptions {
  /** journal to write; null keeps the events in memory */
  readonly output?: string | null;
  /** without a journal: keep the events in the result (default) or only fold them (bounded memory, e.g. trace verify) */
  readonly keepEvents?: boolean;
  readonly force?: boolean;
  readonly checkpointEvery?: number;
  /** follows the events and stores its data beside each checkpoint (the fault checks, for bisect) */
  readonly companion?: CheckpointCompanion;
  /**
   * write the journal in a second thread (replay/journal-pipe.ts: deflate, writes and the
   * companion's checks there; the same journal byte for byte). Default: for inputs of
   * THREADS_FROM_BYTES or more, where it pays for the thread's start.
   */
  readonly threads?: boolean;
  /** called with bytes read so far, the file size and the events made so far */
  readonly onProgress?: (bytes: number, total: number, events: number) => void;
  /** --kernel, --lazy/--strict, --arch, --groups: override what the trace and capture say */
  readonly assume?: AssumeFlags;
  /** trace verify --blind: attribute as if the trace had no dma:* events, and score against them */
  readonly blind?: boolean;
  /** evidence weights other than the measured ones (bench/attribution-weights.ts) */
  readonly weights?: EvidenceWeights;
}

export interface ImportSummary {
  readonly trace: string;
  readonly capture: string;
  readonly kernel: string | null;
  readonly arch: string | null;
  readonly profile: string;
  readonly events: number;
  readonly lines: number;
  readonly parseErrors: number;
  readonly unknownEvents: number;
  readonly header: TraceHeader;
  readonly counters: ReturnType<Diagnostics['toJson']>;
  readonly problems: readonly string[];
  readonly attribution: AttributionStats;
  readonly score: PredictionScore;
  /** trace verify --blind: the scores against the dma:* events */
  readonly blind: BlindScore | null;
  readonly journal: string | null;
  /** every fact the import depends on, with where it came from */
  readonly facts: ImportFacts;
  /** facts nothing stated, assumed (one sentence each) */
  readonly assumed: readonly string[];
  /** facts nothing stated and nothing assumed */
  readonly unknown: readonly string[];
  /** flags against what the input says */
  readonly factWarnings: readonly string[];
}

export interface ImportResult {
  readonly summary: ImportSummary;
  readonly state: State;
  /** the events, when no journal was written and keepEvents was not false */
  readonly events: IommuEvent[] | null;
  readonly capture: CaptureInfo;
}

export async function importTrace(input: string, opts: ImportOptions = {}): Promise<ImportResult> {
  // the profile and the capture's facts are decided before the events are read (ingest/facts/)
  const facts = await factsFor(readCapture(input), opts.assume ?? {});
  const { capture, profile } = facts;
  const file = capture.trace;
  const total = statSync(file).size;
  const diag = new Diagnostics();
  for (const m of checkFormats(capture.folder).mismatches)
    diag.note({ file: m.file, line: 1, field: m.event, problem: `print fmt "${m.found}" differs from "${m.expected}" the parser reads: ${m.event} lines may be misread` }, 'formatMismatches');
  const header = newHeader();
  const recorder = opts.output
    ? JournalRecorder.create(opts.output, {
        source: file,
        profile: profile.name,
        overwrite: opts.force,
        checkpointEvery: opts.checkpointEvery,
        companion: opts.companion,
        threads: opts.threads ?? total >= (isTraceDat(file) ? TRACEDAT_THREADS_FROM_BYTES : THREADS_FROM_BYTES),
        meta: { capture: capture.name, kernel: capture.kernel, arch: capture.arch, cmdline: capture.cmdline, facts: facts.facts, assumed: facts.assumed, unknown: facts.unknown },
      })
    : null;
  const events: IommuEvent[] | null = recorder || opts.keepEvents === false ? null : [];
  let state = initialState();
  let seq = 0;
  // events are folded into the state in batches, when attribution next needs to look at it (it
  // reads the page tables for maps and unmaps only): one reducer transaction per batch, not per event
  let pending: IommuEvent[] = [];
  const tx = new Tx();
  const settle = (): State => {
    if (pending.length === 0) return state;
    if (recorder) {
      recorder.append(pending);
      state = recorder.current;
    } else {
      events?.push(...pending);
      // one Tx for the whole import: no state but the newest is kept (see evolveBatch)
      state = evolveBatch(state, pending, tx);
    }
    pending = [];
    return state;
  };
  const emit = (e: IommuEvent) => {
    (e as { seq: number }).seq = seq++;
    pending.push(e);
    if (pending.length >= 4096) settle();
  };
  const attributor = new Attributor(capture, file, diag, emit, settle, profile, { blind: opts.blind, weights: opts.weights });
  let failed = true;
  try {
    for await (const batch of recordSource(file, capture.folder, total, diag, header, opts.onProgress && ((b, t) => opts.onProgress!(b, t, seq)))) attributor.push(batch);
    attributor.finish();
    settle();
    if (header.entriesWritten !== null && header.entriesInBuffer !== null && header.entriesWritten > header.entriesInBuffer)
      diag.count('overwrittenEntries', header.entriesWritten - header.entriesInBuffer);
    failed = false;
  } finally {
    // the events written so far stay: a failed import keeps a journal up to the failure
    if (failed) settle();
    if (recorder) {
      if (!failed) recorder.note({ kind: 'import-summary', counters: diag.toJson(), attribution: attributor.stats });
      // a failed import is not a whole journal: no end record, readers say where it stopped
      state = failed ? recorder.closeUnfinished() : recorder.close();
    }
  }
  const summary: ImportSummary = {
    trace: file,
    capture: capture.name,
    kernel: capture.kernel,
    arch: capture.arch,
    profile: profile.name,
    events: seq,
    lines: diag.counts.lines,
    parseErrors: diag.counts.parseErrors,
    unknownEvents: diag.counts.unknownEvents,
    header,
    counters: diag.toJson(),
    problems: diag.problems.map(formatProblem),
    attribution: attributor.stats,
    score: attributor.score,
    blind: attributor.truth?.score ?? null,
    journal: opts.output ?? null,
    facts: facts.facts,
    assumed: facts.assumed,
    unknown: facts.unknown,
    factWarnings: facts.warnings,
  };
  return { summary, state, events, capture };
}
