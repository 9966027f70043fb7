// One run the page explores: the load-pass index plus the queries the API answers. A seek
// starts from the state kept before the event's block (or a nearer state seeked lately, so
// stepping costs one event) and folds at most one block.
import { type EventType, type IommuEvent, InputError } from '../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../reducers/index.js';
import { type AddressRow, type Space } from './address-index.js';
import { CATEGORIES, categoryOf as categoryName, loadRun, type RunIndex } from './load.js';
import { blockIndexOf, type EventStore } from './store.js';

class Lru<K, V> {
  private readonly m = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value as K);
  }
  keys(): IterableIterator<K> {
    return this.m.keys();
  }
}

export interface TimelineBuckets {
  readonly from: number;
  readonly to: number;
  readonly categories: readonly string[];
  /** per bucket: first seq, last seq, counts per category */
  readonly buckets: readonly { lo: number; hi: number; counts: readonly number[] }[];
}

export class UiSession {
  readonly index: RunIndex;
  private readonly blockCache = new Lru<number, readonly IommuEvent[]>(8);
  private readonly stateCache = new Lru<number, State>(32);

  private constructor(
    readonly store: EventStore,
    opts: { fineBuckets?: number },
  ) {
    this.index = loadRun(store, opts);
  }

  /** `fineBuckets`: resolution of the precomputed timeline (tests use a coarse one) */
  static load(store: EventStore, opts: { fineBuckets?: number } = {}): UiSession {
    return new UiSession(store, opts);
  }

  get events(): number {
    return this.store.events;
  }

  get lastSeq(): number {
    return this.store.blocks.length ? this.store.blocks[this.store.blocks.length - 1].firstSeq + this.store.blocks[this.store.blocks.length - 1].count - 1 : -1;
  }

  /** every block in order (for checks and diff) */
  *blocks(): Generator<readonly IommuEvent[]> {
    for (let i = 0; i < this.store.blocks.length; i++) yield this.block(i);
  }

  block(i: number): readonly IommuEvent[] {
    let b = this.blockCache.get(i);
    if (!b) this.blockCache.set(i, (b = this.store.readBlock(i)));
    return b;
  }

  checkSeq(seq: number, what = 'seq'): void {
    if (!Number.isInteger(seq) || seq < -1 || seq > this.lastSeq) throw new InputError(`${what} ${seq}: outside the journal (-1 … ${this.lastSeq})`);
  }

  event(seq: number): IommuEvent {
    this.checkSeq(seq);
    if (seq < 0) throw new InputError(`seq ${seq}: before the first event`);
    const i = blockIndexOf(this.store.blocks, seq);
    return this.block(i)[seq - this.store.blocks[i].firstSeq];
  }

  /** events [from, from + count) */
  eventsPage(from: number, count: number): IommuEvent[] {
    const out: IommuEvent[] = [];
    let seq = Math.max(0, from);
    while (out.length < count && seq <= this.lastSeq) {
      const i = blockIndexOf(this.store.blocks, seq);
      const b = this.block(i);
      for (let j = seq - this.store.blocks[i].firstSeq; j < b.length && out.length < count; j++) out.push(b[j]);
      seq = this.store.blocks[i].firstSeq + b.length;
    }
    return out;
  }

  /** The state right after event `seq` (-1: before the first event). */
  stateAt(seq: number): State {
    this.checkSeq(seq);
    if (seq === -1) return initialState();
    const hit = this.stateCache.get(seq);
    if (hit) return hit;
    const i = blockIndexOf(this.store.blocks, seq);
    const first = this.store.blocks[i].firstSeq;
    let base = this.index.kept[i];
    let baseSeq = first - 1;
    for (const k of this.stateCache.keys()) {
      if (k > baseSeq && k < seq) baseSeq = k;
    }
    if (baseSeq >= first) base = this.stateCache.get(baseSeq)!;
    const b = this.block(i);
    const s = evolveBatch(base, b.slice(baseSeq + 1 - first, seq + 1 - first));
    this.stateCache.set(seq, s);
    return s;
  }

  /** The last event at or before trace time `ts` (ns); -1 when every event is later. */
  seekTs(ts: number): number {
    const bt = this.index.blockTs;
    let i = bt.length - 1;
    while (i >= 0 && (bt[i].first === null || bt[i].first! > ts)) i--;
    if (i < 0) return -1;
    const b = this.block(i);
    let found = this.store.blocks[i].firstSeq - 1;
    for (const e of b) {
      if (e.ts !== null && e.ts > ts) break;
      found = e.seq;
    }
    return found;
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
