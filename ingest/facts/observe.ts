// What the start of a trace shows, read before the import chooses its profile: the lazy/strict
// reuse test, the architecture's clues, the kernel's events, the CPUs. Bounded: it stops once
// every question has its answer, or after SCAN_RECORDS records (a trace that starts mid-run may
// never show some of them).
import { isInputError } from '../../domain-events/index.js';
import { isTraceDat } from '../detect.js';
import { Diagnostics } from '../diagnostics.js';
import { FormatSet } from '../ftrace/format-set.js';
import { newHeader, parseTrace, type TraceHeader } from '../ftrace/parse.js';
import { type LineBatch, readLines } from '../lines.js';
import { readTraceDat } from '../tracedat/reader.js';
import { ArchEvidence, type ArchClue } from './arch-evidence.js';
import { ReuseTest, type ReuseVerdict } from './fq-reuse.js';
import { type KernelClue, KernelEvidence } from './kernel-evidence.js';
import { type Arch } from './types.js';

/** records read at most (about 7 MB of text) */
export const SCAN_RECORDS = 50_000;

/** Questions the caller already has answers to (a capture folder's uname): no need to scan for them. */
export interface Known {
  readonly kernel?: boolean;
  readonly arch?: boolean;
}

export interface TraceObservations {
  /** records read */
  readonly records: number;
  /** the whole trace was read */
  readonly whole: boolean;
  readonly reuse: ReuseVerdict;
  readonly arch: { readonly arch: Arch | null; readonly clue: ArchClue | null; readonly conflict: string | null };
  /** physical pages taken for MSI doorbells (mapped at one IOVA in two domains and kept) */
  readonly doorbellPages: readonly bigint[];
  readonly kernel: KernelClue;
  /** what the file says about itself: CPUs (`#P:N`, `cpus=N`), a trace.dat's kernel and machine, layouts assumed */
  readonly header: TraceHeader;
  /** the highest CPU number of a record, plus one */
  readonly cpusSeen: number;
  /** the trace has add_device_to_group lines (it saw the groups being made) */
  readonly groupLines: boolean;
}

const PHYS_EVENT = /\s(dma_(?:un)?map_phys):/;

/** the lines as read, each event name that tells kernels apart passed to `onName` */
async function* tapNames(src: AsyncIterable<LineBatch>, onName: (name: string) => void): AsyncGenerator<LineBatch> {
  for await (const b of src) {
    for (const l of b.lines) {
      if (l.indexOf('_phys:') < 0) continue;
      const m = PHYS_EVENT.exec(l);
      if (m) onName(m[1]);
    }
    yield b;
  }
}

/** `folder`: the capture folder, whose formats/ decode trace-cmd report's raw-field lines */
export async function observeTrace(file: string, folder: string | null = null, known: Known = {}, limit = SCAN_RECORDS): Promise<TraceObservations> {
  const reuse = new ReuseTest();
  const arch = new ArchEvidence();
  const kernel = new KernelEvidence();
  const header = newHeader();
  let records = 0;
  let cpusSeen = 0;
  let groupLines = false;
  let whole = true;
  // the kernel and the architecture need no clue once the capture or the file's header states them
  const settled = () => reuse.done && (arch.settled || known.arch || header.machine !== null) && (kernel.settled || known.kernel || header.kernel !== null);
  // a trace.dat's records come from its own reader (its uname states the kernel and machine); text
  // lines are parsed here with each event name seen (dma_map_phys tells a 7.x kernel)
  const source = isTraceDat(file)
    ? readTraceDat(file, new Diagnostics(0), header)
    : parseTrace(
        tapNames(readLines(file), (n) => kernel.eventName(n)),
        file,
        new Diagnostics(0),
        header,
        FormatSet.fromFolder(folder),
      );
  try {
    scan: for await (const batch of source) {
      for (const r of batch) {
        records++;
        if (r.at.cpu + 1 > cpusSeen && r.kind !== 'lost') cpusSeen = r.at.cpu + 1;
        if (r.kind === 'group-add') groupLines = true;
        reuse.push(r);
        arch.push(r);
        kernel.push(r);
        if (records >= limit || settled()) {
          whole = false;
          break scan;
        }
      }
    }
  } catch (err) {
    // damage (a truncated gzip): what came before it is what the trace shows; the import reads up
    // to the same place, keeps what it read, and reports the damage
    if (!isInputError(err)) throw err;
    whole = false;
  }
  return {
    records,
    whole,
    reuse: reuse.verdict(),
    arch: arch.verdict(),
    doorbellPages: arch.doorbellPages(),
    kernel: kernel.clue(),
    header,
    cpusSeen,
    groupLines,
  };
}
