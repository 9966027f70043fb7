// What the run looked like as a whole: events seen, phase, gaps, faults, unknown lines.
import { type IommuEvent } from '../domain-events/index.js';
import { editable, type Owned } from './owned.js';
import { type Tx } from './pmap.js';
import { transientSlice } from './slice.js';

export interface TimelineState extends Owned {
  readonly events: number;
  readonly lastSeq: number;
  readonly firstTs: number | null;
  readonly lastTs: number | null;
  /** the latest marker: the phase the run is in */
  readonly phase: { readonly text: string; readonly seq: number } | null;
  readonly markers: number;
  /** LOST EVENTS lines and the events they reported lost (null count = unknown) */
  readonly lostGaps: number;
  readonly lostEvents: number;
  readonly faults: number;
  readonly rawKept: number;
  readonly byType: Readonly<Record<string, number>> & Owned;
}

/** Counts a whole batch at once (one copy of the counters per batch, not per event). */
export function tallyBatch(s: TimelineState, events: readonly IommuEvent[], tx: Tx): TimelineState {
  if (events.length === 0) return s;
  const t = tallyStart(s, tx);
  let prevType = '';
  let run = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.ts !== null) t.ts(e.ts);
    // consecutive events of one type are common (a burst of maps): count runs, not events
    if (e.type === prevType) run++;
    else {
      if (run) t.count(prevType, run);
      prevType = e.type;
      run = 1;
    }
  }
  t.count(prevType, run);
  return t.finish(s, events.length, events[events.length - 1].seq, tx);
}

/** A batch's tally while its events go by: the evolving loop feeds it (root.ts) */
export class Tally {
  private firstTs: number | null = null;
  private lastTs: number | null = null;
  private by: Record<string, number> = {};

  /** starts a batch's tally of `s` (one Tally serves batch after batch) */
  start(s: TimelineState, tx: Tx): this {
    this.firstTs = s.firstTs;
    this.lastTs = s.lastTs;
    this.by = editable(s.byType, tx) as Record<string, number>;
    return this;
  }

  ts(ts: number): void {
    if (this.firstTs === null) this.firstTs = ts;
    this.lastTs = ts;
  }

  count(type: string, n: number): void {
    this.by[type] = (this.by[type] ?? 0) + n;
  }

  /** the timeline after the batch of `n` events whose last has seq `lastSeq` */
  finish(s: TimelineState, n: number, lastSeq: number, tx: Tx): TimelineState {
    const w = editable(s, tx) as W;
    w.events = s.events + n;
    w.lastSeq = lastSeq;
    w.firstTs = this.firstTs;
    w.lastTs = this.lastTs;
    w.byType = this.by as TimelineState['byType'];
    return w;
  }
}

export function tallyStart(s: TimelineState, tx: Tx): Tally {
  return new Tally().start(s, tx);
}

type W = { -readonly [K in keyof TimelineState]: TimelineState[K] };

export const timelineSlice = transientSlice<TimelineState>({
  name: 'timeline',
  initial: { events: 0, lastSeq: -1, firstTs: null, lastTs: null, phase: null, markers: 0, lostGaps: 0, lostEvents: 0, faults: 0, rawKept: 0, byType: {} },
  on: {
    MarkerWritten(s, e, tx) {
      const w = editable(s, tx) as W;
      w.phase = { text: e.text, seq: e.seq };
      w.markers = s.markers + 1;
      return w;
    },
    EventsLost(s, e, tx) {
      const w = editable(s, tx) as W;
      w.lostGaps = s.lostGaps + 1;
      w.lostEvents = s.lostEvents + (e.count ?? 0);
      return w;
    },
    PageFaulted(s, _e, tx) {
      const w = editable(s, tx) as W;
      w.faults = s.faults + 1;
      return w;
    },
    RawEventKept(s, _e, tx) {
      const w = editable(s, tx) as W;
      w.rawKept = s.rawKept + 1;
      return w;
    },
  },
  snapshot: (s) => ({ ...s, _tx: null, byType: { ...s.byType, _tx: undefined } }),
  restore: (d) => {
    const t = d as TimelineState;
    const byType = { ...t.byType } as Record<string, number>;
    delete byType._tx;
    return { ...t, byType };
  },
  hash(s, h) {
    h.add('timeline', s.events, s.lastSeq, s.firstTs, s.lastTs, s.phase?.text, s.phase?.seq, s.markers, s.lostGaps, s.lostEvents, s.faults, s.rawKept);
    for (const t of Object.keys(s.byType).filter((k) => k !== '_tx').sort()) h.add('type', t, s.byType[t]);
  },
});
