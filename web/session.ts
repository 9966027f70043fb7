// One run the page explores: the load-pass index plus the queries the API answers. Events,
// states and seeks by time come from the run's Timeline (replay/seek.ts), the one seek
// mechanism of the command line and the page: a state starts from the nearest checkpoint or
// anchor, so stepping one event replays a few hundred at most.
import { type EventType, type IommuEvent } from '../domain-events/index.js';
import { type State } from '../reducers/index.js';
import { type Timeline, type TimeSeek } from '../replay/index.js';
import { type AddressRow, type Space } from './address-index.js';
import { CATEGORIES, categoryOf as categoryName, loadRun, type RunIndex } from './load.js';
import { type EventStore } from './store.js';

export interface TimelineBuckets {
  readonly from: number;
  readonly to: number;
  readonly categories: readonly string[];
  /** per bucket: first seq, last seq, counts per category */
  readonly buckets: readonly { lo: number; hi: number; counts: readonly number[] }[];
}

export class UiSession {
  readonly index: RunIndex;
  readonly tl: Timeline;

  private constructor(
    readonly store: EventStore,
    opts: { fineBuckets?: number },
  ) {
    this.tl = store.timeline;
    this.index = loadRun(store, opts);
  }

  /** `fineBuckets`: resolution of the precomputed timeline (tests use a coarse one) */
  static load(store: EventStore, opts: { fineBuckets?: number } = {}): UiSession {
    return new UiSession(store, opts);
  }

  get events(): number {
    return this.tl.total;
  }

  get lastSeq(): number {
    return this.tl.lastSeq;
  }

  /** every block in order (for checks and diff) */
  *blocks(): Generator<readonly IommuEvent[]> {
    for (let i = 0; i < this.tl.blockCount(); i++) yield this.tl.blockEvents(i);
  }

  event(seq: number): IommuEvent {
    return this.tl.eventAt(seq);
  }

  /** events [from, from + count) */
  eventsPage(from: number, count: number): IommuEvent[] {
    return [...this.tl.range(Math.max(0, from), from + count - 1)];
  }

  /** The state right after event `seq` (-1: before the first event). */
  stateAt(seq: number): State {
    return this.tl.stateAt(seq);
  }

  /** The last event at or before trace time `ts` (ns); -1 when every event is later. */
  seekTs(ts: number): TimeSeek {
    return this.tl.seekTime(ts);
  }

  /** Event counts per category in `count` equal buckets of seqs [from, to]. */
  timeline(from: number, to: number, count: number): TimelineBuckets {
    const C = CATEGORIES.length;
    const span = to - from + 1;
    const n = Math.max(1, Math.min(count, span));
    const width = span / n;
    const buckets = Array.from({ length: n }, (_, k) => ({ lo: from + Math.floor(k * width), hi: from + Math.floor((k + 1) * width) - 1, counts: new Array<number>(C).fill(0) }));
    const fw = this.index.fineWidth;
    if (width >= fw) {
      // coarse: add up fine buckets, each into the bucket holding its first seq (fine buckets
      // are at most 16 events wide up to a million events, so the edges move by at most that)
      for (let f = Math.floor(from / fw); f * fw <= to; f++) {
        const k = Math.min(n - 1, Math.max(0, Math.floor((f * fw - from) / width)));
        for (let c = 0; c < C; c++) buckets[k].counts[c] += this.index.fine[f * C + c] ?? 0;
      }
    } else {
      const cat = new Map<string, number>();
      for (const e of this.eventsPage(from, span)) {
        const k = Math.min(n - 1, Math.floor((e.seq - from) / width));
        let c = cat.get(e.type);
        if (c === undefined) cat.set(e.type, (c = CATEGORIES.indexOf(categoryName(e.type))));
        buckets[k].counts[c]++;
      }
    }
    return { from, to, categories: CATEGORIES, buckets };
  }

  /**
   * Events that touched a page (IOVA in a domain, or physical), oldest first, as index rows:
   * no block is decoded, so a history over a million events costs one scan of typed arrays.
   */
  history(space: Space, pfn: number, domain: number | null, limit: number, around?: number): { total: number; events: AddressRow[] } {
    const { rows, total } = this.index.addresses.query(space, pfn, domain, limit, around);
    return { total, events: rows };
  }

  /** The latest event of one of `types` that touched the page at or before `seq`, decoded. */
  lastTouch(pfn: number, domain: number, seq: number, types: ReadonlySet<EventType>): IommuEvent | null {
    // centred on seq + 1 with room for two: the one before seq is among them if it exists
    const { rows } = this.index.addresses.query('iova', pfn, domain, 2, seq + 1, types);
    let best: number | null = null;
    for (const r of rows) if (r.seq <= seq) best = r.seq;
    return best === null ? null : this.event(best);
  }
}
