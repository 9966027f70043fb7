// The load pass: one walk over the journal that keeps what the page will ask for: event counts
// per type in fine seq buckets (the timeline), phase markers, a series of statistics, and the
// address index behind history queries. Seeks go through the journal's Timeline (the same as
// the command line's); the states this pass folds are offered to it, and it keeps the ones where
// the journal has no checkpoint near (a journal written without checkpoints).
import { type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState, rcacheFill, type State } from '../reducers/index.js';
import { AddressContext, AddressIndex } from './address-index.js';
import { type EventStore } from './store.js';

/** event types grouped the way the timeline colours them */
export const CATEGORIES = ['map', 'unmap', 'iova', 'flush', 'dma', 'msi', 'topology', 'pasid', 'fail', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export function categoryOf(type: IommuEvent['type']): Category {
  if (type === 'MapFailed' || type === 'IovaAllocFailed' || type === 'PageFaulted' || type === 'EventsLost') return 'fail';
  if (type === 'Mapped') return 'map';
  if (type === 'Unmapped') return 'unmap';
  if (type.startsWith('Iova') || type === 'RcacheChanged') return type.startsWith('IovaDomain') ? 'topology' : 'iova';
  if (type === 'IotlbFlushed' || type.startsWith('FlushQueue')) return 'flush';
  if (type === 'DmaApiCalled') return 'dma';
  if (type.startsWith('Msi')) return 'msi';
  if (type.startsWith('Ioasid') || type.startsWith('Pasid') || type.startsWith('Sva')) return 'pasid';
  if (type === 'MarkerWritten' || type === 'RawEventKept') return 'other';
  return 'topology';
}
const CAT_INDEX = new Map<string, number>(CATEGORIES.map((c, i) => [c, i]));

/** at most this many fine buckets and statistics samples */
export const FINE_BUCKETS = 65536;
export const STAT_SAMPLES = 1500;

export interface StatsSeries {
  readonly seq: number[];
  readonly ts: (number | null)[];
  readonly mappedBytes: number[];
  /** 4 KiB pages of IOVA held by the allocators (rbtree nodes, reserved ranges excluded) */
  readonly iovaPages: number[];
  /** of which parked in the per-CPU range caches */
  readonly rcachePages: number[];
}

export interface RunIndex {
  readonly store: EventStore;
  readonly final: State;
  readonly blockTs: readonly { first: number | null; last: number | null }[];
  /** events per fine bucket and category: counts[b * CATEGORIES.length + c] */
  readonly fineWidth: number;
  readonly fine: Uint32Array;
  readonly markers: readonly { seq: number; text: string }[];
  readonly stats: StatsSeries;
  readonly addresses: AddressIndex;
}

function sample(s: State, stats: StatsSeries, seq: number, ts: number | null, tree: number): void {
  let mapped = 0;
  s.pageTables.domains.forEach((_, pt) => void (mapped += pt.mappedPages));
  let cached = 0;
  s.iova.domains.forEach((_, d) => void (cached += (rcacheFill(d.rcaches) * d.granule) / 4096));
  stats.seq.push(seq);
  stats.ts.push(ts);
  stats.mappedBytes.push(mapped * 4096);
  stats.iovaPages.push(tree);
  stats.rcachePages.push(cached);
}

export function loadRun(store: EventStore, opts: { fineBuckets?: number } = {}): RunIndex {
  const tl = store.timeline;
  const n = tl.total;
  const fineWidth = Math.max(1, Math.ceil(n / (opts.fineBuckets ?? FINE_BUCKETS)));
  const fine = new Uint32Array(Math.ceil(n / fineWidth) * CATEGORIES.length);
  const every = Math.max(1, Math.ceil(n / STAT_SAMPLES));
  const stats: StatsSeries = { seq: [], ts: [], mappedBytes: [], iovaPages: [], rcachePages: [] };
  const blockTs: { first: number | null; last: number | null }[] = [];
  const markers: { seq: number; text: string }[] = [];
  const addresses = new AddressIndex();
  const ctx = new AddressContext();
  let s = initialState();
  let treePages = 0;
  let lastTs: number | null = null;
  for (let bi = 0; bi < tl.blockCount(); bi++) {
    const block = tl.blockEvents(bi);
    let first: number | null = null;
    let from = 0;
    for (let i = 0; i < block.length; i++) {
      const e = block[i];
      if (e.ts !== null) {
        if (first === null) first = e.ts;
        lastTs = e.ts;
      }
      fine[Math.floor(e.seq / fineWidth) * CATEGORIES.length + CAT_INDEX.get(categoryOf(e.type))!]++;
      if (e.type === 'MarkerWritten' && markers.length < 10000) markers.push({ seq: e.seq, text: e.text });
      // iova.c: an rcache hit hands out a node already in the rbtree; only a tree allocation adds one
      if (e.type === 'IovaAllocated' && !e.fromRcache) treePages += (e.pfnHi - e.pfnLo + 1) * ctx.granulePages(e.domain);
      if (e.type === 'IovaFreed') treePages -= (e.pfnHi - e.pfnLo + 1) * ctx.granulePages(e.domain);
      addresses.add(e, ctx);
      ctx.track(e);
      if ((e.seq + 1) % every === 0 || e.seq === n - 1) {
        s = evolveBatch(s, block.slice(from, i + 1));
        from = i + 1;
        sample(s, stats, e.seq, lastTs, treePages);
      }
    }
    if (from < block.length) s = evolveBatch(s, block.slice(from));
    if (block.length) tl.offerState(block[block.length - 1].seq + 1, s);
    blockTs.push({ first, last: lastTs });
  }
  return { store, final: s, blockTs, fineWidth, fine, markers, stats, addresses };
}
