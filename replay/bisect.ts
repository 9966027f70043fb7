// Bisect: the first event after which something holds.
//  - a predicate on the state (assumed to stay true once true): binary search over the
//    journal's checkpoints (O(log n) restores, no replay), then one replay of the segment
//    between the last checkpoint where it is false and the first where it is true, in
//    ANCHOR_EVERY chunks, then event by event inside the one chunk where it turns true;
//  - the first finding of an event check: checks judge events, not states, so the state at a
//    checkpoint cannot say whether a check already fired. When the checks ran while the journal
//    was recorded, a checks record beside each checkpoint holds their finding counts so far
//    (monotone) and their private indices: binary search over those records (O(log n) probes),
//    then one segment replay resumed at the last record where nothing had fired
//    (bisectRecorded). Without such records (or with other check versions) the search streams
//    from the start and stops at the first finding (bisectScan).
import { type IommuEvent } from '../domain-events/index.js';
import { evolve, evolveBatch, initialState, type State } from '../reducers/index.js';
import { ANCHOR_EVERY, type Timeline } from './seek.js';

export interface BisectOutcome {
  /** the first event after which the predicate holds / at which the check reports; -1: holds before any event; null: never */
  readonly firstFailingSeq: number | null;
  readonly method: 'checkpoints' | 'scan';
  /** why a check bisect could not use the checks records (it scanned instead) */
  readonly scanReason?: string;
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

/** Where a segment replay starts: a checks record (and the state stored with it), or the first event. */
export interface SegmentStart {
  /** events applied before the segment */
  readonly applied: number;
  readonly state: State;
  /** the checks record there; null at the first event */
  readonly data: Record<string, unknown> | null;
}

/**
 * The first report of a stream judge (the fault checks) from the checks records: `fired(data)`
 * says whether it had reported by then (counts only grow, so it is monotone), or why the record
 * cannot answer (another check version, not a checks record this build reads); `segment(start, end)` replays events
 * [start.applied, end) resumed from `start` and returns the seq of the first report (or null;
 * `end` = total: to the end of the journal, end-of-stream reports included) and how many events
 * it read. Returns a scan reason when
 * the records cannot answer, so the caller scans instead.
 */
export function bisectRecorded(
  tl: Timeline,
  fired: (data: Record<string, unknown>) => boolean | string,
  segment: (start: SegmentStart, end: number) => { readonly seq: number | null; readonly events: number },
): BisectOutcome | { readonly scanReason: string } {
  const seqs = tl.checksSeqs();
  if (seqs.length === 0) return { scanReason: 'the journal has no checks records (recorded without the checks)' };
  const before = tl.stats.eventsReplayed;
  let probes = 0;
  let unanswerable: string | null = null;
  const probe = (k: number): boolean => {
    probes++;
    const r = fired(tl.checksData(k));
    if (typeof r === 'string') unanswerable = r;
    return r === true;
  };
  // invariant: nothing fired by record lo (-1: the start), something fired by record hi (seqs.length: the end)
  let lo = -1;
  let hi = seqs.length;
  while (hi - lo > 1 && unanswerable === null) {
    const mid = (lo + hi) >> 1;
    if (probe(mid)) hi = mid;
    else lo = mid;
  }
  if (unanswerable !== null) return { scanReason: unanswerable };
  const start: SegmentStart = lo < 0 ? { applied: 0, state: initialState(), data: null } : { applied: seqs[lo], state: seqs[lo] === 0 ? initialState() : tl.stateAt(seqs[lo] - 1), data: tl.checksData(lo) };
  if (lo >= 0) probes++;
  const end = hi === seqs.length ? tl.total : seqs[hi];
  const { seq, events } = segment(start, end);
  if (seq === null && hi < seqs.length) return { scanReason: `the checks record at #${end} says a check fired before it, but the segment replay from #${start.applied} found nothing` };
  return { firstFailingSeq: seq, method: 'checkpoints', probes, eventsReplayed: tl.stats.eventsReplayed - before + events };
}

