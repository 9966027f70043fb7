// diff of two runs (journals, traces, or one of each): align them, find the first divergence,
// and compare totals. Each run is read once; its events stream through the op collector, the
// totals and the reducers together.
import { type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../reducers/index.js';
import { collectOps, describeOp, type OpStream } from './align-ops.js';
import { alignRuns } from './align.js';
import { type Delta, type DiffReport, type Divergence } from './diff-report.js';
import { RunTotals } from './diff-totals.js';

export interface DiffInput {
  readonly input: string;
  readonly profile: string | null;
  blocks: () => Iterable<readonly IommuEvent[]>;
}

interface RunRead {
  readonly ops: OpStream;
  readonly figures: Record<string, number>;
}

function readRun(x: DiffInput): RunRead {
  let state: State = initialState();
  const totals = new RunTotals();
  const source = x.blocks();
  function* folded(): Generator<readonly IommuEvent[]> {
    for (const b of source) {
      state = evolveBatch(state, b);
      yield b;
    }
  }
  const ops = collectOps(folded(), (e) => totals.add(e));
  return { ops, figures: totals.figures(state, ops.events) };
}

function deltas(a: Record<string, number>, b: Record<string, number>): Record<string, Delta> {
  const out: Record<string, Delta> = {};
  for (const k of Object.keys(a)) out[k] = { a: a[k], b: b[k], delta: Math.round((b[k] - a[k]) * 1000) / 1000 };
  return out;
}

/** Runs are related when they share devices, or most operations line up (a step name like "boot" alone says little). */
function isRelated(a: OpStream, b: OpStream, compared: number): boolean {
  for (const d of a.devices) if (b.devices.has(d)) return true;
  const opsA = a.segments.reduce((n, s) => n + s.ops.length, 0);
  const opsB = b.segments.reduce((n, s) => n + s.ops.length, 0);
  return compared > 0 && compared >= Math.min(opsA, opsB) / 2;
}

export function diffRuns(a: DiffInput, b: DiffInput): DiffReport {
  const ra = readRun(a);
  const rb = readRun(b);
  const al = alignRuns(ra.ops, rb.ops);
  const related = isRelated(ra.ops, rb.ops, al.compared);
  let firstDivergence: Divergence | null = null;
  if (!related)
    firstDivergence = { seqA: null, seqB: null, lineA: null, lineB: null, what: 'unrelated runs: no device in common and their operations do not line up; totals only', step: null, eventA: null, eventB: null };
  else if (al.first)
    firstDivergence = {
      seqA: al.first.a?.seq ?? null,
      seqB: al.first.b?.seq ?? null,
      lineA: al.first.a?.line ?? null,
      lineB: al.first.b?.line ?? null,
      what: al.first.what,
      step: al.first.step,
      eventA: al.first.a ? describeOp(al.first.a) : null,
      eventB: al.first.b ? describeOp(al.first.b) : null,
    };
  return {
    a: { input: a.input, profile: a.profile, events: ra.ops.events },
    b: { input: b.input, profile: b.profile, events: rb.ops.events },
    related,
    firstDivergence,
    alignment: { compared: al.compared, differing: al.differing, onlyA: al.onlyA, onlyB: al.onlyB, sharedSteps: al.sharedSteps, differingBy: al.byField },
    deltas: deltas(ra.figures, rb.figures),
  };
}
