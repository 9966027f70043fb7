// Bisect: the first event after which something holds.
//  - a predicate on the state (assumed to stay true once true): binary search over the
//    journal's checkpoints (O(log n) restores, no replay), then one replay of the segment
//    between the last checkpoint where it is false and the first where it is true, in
//    ANCHOR_EVERY chunks, then event by event inside the one chunk where it turns true;
//  - the first finding of an event check: checks judge events, not states, so the state at a
//    checkpoint cannot say whether a check already fired; the search streams from the start
//    and stops at the first finding (cost grows with where the fault is, not with the journal).
import { type IommuEvent } from '../domain-events/index.js';
import { evolve, evolveBatch, initialState, type State } from '../reducers/index.js';
import { ANCHOR_EVERY, type Timeline } from './seek.js';

export interface BisectOutcome {
  /** the first event after which the predicate holds / at which the check reports; -1: holds before any event; null: never */
  readonly firstFailingSeq: number | null;
  readonly method: 'checkpoints' | 'scan';
  /** checkpoint states restored or evaluated */
  readonly probes: number;
  readonly eventsReplayed: number;
}

export function bisectState(tl: Timeline, pred: (s: State) => boolean): BisectOutcome {
  const before = tl.stats.eventsReplayed;
  let probes = 0;
  const cps = tl.checkpointSeqs();
  // points where the state is stored: 0 (initial), each checkpoint, and the end
  const points = [0, ...cps.map((applied, k) => ({ applied, k }))].filter((p) => typeof p === 'number' || (p.applied > 0 && p.applied < tl.total));
  const stateOf = (i: number): State => {
    probes++;
    const p = points[i];
    return typeof p === 'number' ? initialState() : tl.checkpointState(p.k);
  };
  const appliedOf = (i: number): number => {
    const p = points[i];
    return typeof p === 'number' ? p : p.applied;
  };
  const outcome = (seq: number | null): BisectOutcome => ({ firstFailingSeq: seq, method: 'checkpoints', probes, eventsReplayed: tl.stats.eventsReplayed - before });
  if (tl.total === 0) return outcome(pred(initialState()) ? -1 : null);
  probes++;
  if (!pred(tl.stateAt(tl.lastSeq))) return outcome(null);
  if (pred(stateOf(0))) return outcome(-1);
  // invariant: false at points[lo], true at points[hi] (hi = points.length stands for the end)
  let lo = 0;
  let hi = points.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (pred(stateOf(mid))) hi = mid;
    else lo = mid;
  }
  const from = appliedOf(lo);
  const to = hi === points.length ? tl.total : appliedOf(hi);
  // the segment: chunk by chunk, then event by event in the chunk where it turns true
  let s = lo === 0 ? initialState() : tl.stateAt(from - 1);
  let applied = from;
  while (applied < to) {
    const next = Math.min(to, (Math.floor(applied / ANCHOR_EVERY) + 1) * ANCHOR_EVERY);
    const chunk: IommuEvent[] = [...tl.range(applied, next - 1)];
    const after = evolveBatch(s, chunk);
    tl.stats.eventsReplayed += chunk.length;
    if (pred(after)) {
      for (const e of chunk) {
        s = evolve(s, e);
        if (pred(s)) return outcome(e.seq);
      }
    }
    s = after;
    applied = next;
  }
  // the predicate is not monotone (true at a checkpoint, false at every event before it)
  return outcome(to - 1);
}

/**
 * The first event at which `firstIn` reports, scanning blocks from the start. `firstIn` gets
 * the blocks and returns the seq of its first report (it may stop reading there).
 */
export function bisectScan(tl: Timeline, firstIn: (blocks: Iterable<readonly IommuEvent[]>) => number | null): BisectOutcome {
  let read = 0;
  function* blocks(): Generator<readonly IommuEvent[]> {
    const size = 4096;
    for (let a = 0; a < tl.total; a += size) {
      const b = [...tl.range(a, a + size - 1)];
      read += b.length;
      yield b;
    }
  }
  const seq = firstIn(blocks());
  return { firstFailingSeq: seq, method: 'scan', probes: 0, eventsReplayed: read };
}
