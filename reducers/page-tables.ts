// What each domain translates: leaf runs from Mapped / Unmapped, and the page-table pages a
// format-aware producer reported. Mapped carries the leaves when the producer modelled the
// table (io-pgtable-arm); otherwise they follow from the domain's pgsize_bitmap, the split
// iommu_map makes.
import { type Mapped } from '../domain-events/index.js';
import { editable, type Owned, ownedBy } from './owned.js';
import { PMap, type Tx } from './pmap.js';
import { coverRange, pageSizesOf, pagesOf, pfnOf, removeRange, type Run, runPages } from './runs.js';
import { transientSlice } from './slice.js';
import { decodePageTables, decodePageTablesDelta, encodePageTables, encodePageTablesDelta } from './checkpoint-page-tables.js';

export interface PgtableConfig {
  readonly fmt: string;
  readonly ias: number;
  readonly oas: number;
  readonly granule: number;
  readonly pgsizeBitmap: bigint;
  readonly startLevel: number;
  readonly pgdBits: number;
}

export interface DomainPageTable extends Owned {
  readonly domain: number;
  readonly pgsizeBitmap: bigint;
  /** the page-table format, when a producer modelled it */
  readonly config: PgtableConfig | null;
  readonly runs: PMap<Run>;
  /** per level: page-table pages by the IOVA pfn they start at -> seq that allocated them */
  readonly tables: readonly PMap<number>[];
  readonly mappedPages: number;
  readonly peakPages: number;
  readonly maps: number;
  readonly unmaps: number;
  /** maps whose range was already (partly) live: pages replaced */
  readonly overmappedPages: number;
  /** pages the kernel said it unmapped that were not live here */
  readonly missingPages: number;
}

export interface PageTablesState extends Owned {
  readonly domains: PMap<DomainPageTable>;
}

type W = { -readonly [K in keyof DomainPageTable]: DomainPageTable[K] };

function empty(domain: number, bitmap: bigint): DomainPageTable {
  return {
    domain,
    pgsizeBitmap: bitmap,
    config: null,
    runs: PMap.empty(),
    tables: [],
    mappedPages: 0,
    peakPages: 0,
    maps: 0,
    unmaps: 0,
    overmappedPages: 0,
    missingPages: 0,
  };
}

/** the state the last `open` returned a record of */
let opened: PageTablesState = { domains: PMap.empty() };

/**
 * update() without a callback, for the per-map handlers: the domain's record to edit in place,
 * owned by the batch, in the state left in `opened`.
 */
function open(s: PageTablesState, domain: number, tx: Tx): W {
  const cur = s.domains.get(domain);
  if (cur !== undefined && ownedBy(cur, tx) && ownedBy(s, tx)) {
    opened = s;
    return cur as W;
  }
  const d = editable(cur ?? empty(domain, 0n), tx);
  const st = editable(s, tx);
  (st as { domains: PMap<DomainPageTable> }).domains = s.domains.set(domain, d, tx);
  opened = st;
  return d as W;
}

function update(s: PageTablesState, domain: number, tx: Tx, fn: (d: W) => void): PageTablesState {
  const cur = s.domains.get(domain);
  // made under this Tx already: the map holds this very record, which changes in place
  if (cur !== undefined && ownedBy(cur, tx) && ownedBy(s, tx)) {
    fn(cur as W);
    return s;
  }
  const d = editable(cur ?? empty(domain, 0n), tx);
  fn(d as W);
  const st = editable(s, tx);
  (st as { domains: PMap<DomainPageTable> }).domains = s.domains.set(domain, d, tx);
  return st;
}


/**
 * Leaf sizes (4 KiB pages, largest first) a block can be split into: every level of the table
 * (io-pgtable-arm.c arm_lpae_split_blk_unmap fills the next level whatever pgsize_bitmap says),
 * else the sizes of the bitmap.
 */
export function splitSizes(d: DomainPageTable): readonly number[] {
  const c = d.config;
  if (!c || !c.fmt.startsWith('ARM_')) return pageSizesOf(d.pgsizeBitmap);
  let out = armSplitSizes.get(c);
  if (out !== undefined) return out;
  const g = Math.log2(c.granule);
  const bits = g - 3;
  const sizes: number[] = [];
  for (let lvl = Math.max(1, c.startLevel); lvl <= 3; lvl++) sizes.push(2 ** (g + bits * (3 - lvl) - 12));
  armSplitSizes.set(c, (out = sizes));
  return out;
}

/** the runs a map without producer leaves writes, reused from map to map */
const scratchRuns: Run[] = [];

/** per (immutable) table config: its split sizes, computed once */
const armSplitSizes = new WeakMap<PgtableConfig, readonly number[]>();

function leavesOf(e: Pick<Mapped, 'iova' | 'paddr' | 'size' | 'prot' | 'leaves' | 'seq'>, sizes: readonly number[]): Run[] {
  if (e.leaves) {
    return e.leaves.map((l) => ({
      pfn: pfnOf(l.iova),
      ppfn: pfnOf(l.paddr),
      pgsize: Number(l.pgsize),
      count: l.count,
      prot: e.prot,
      seq: e.seq,
    }));
  }
  const pfn = pfnOf(e.iova);
  return coverRange(pfn, pfn + pagesOf(e.size), pfnOf(e.paddr), sizes, e.prot, e.seq);
}

function tableUpdate(d: W, level: number, tx: Tx, fn: (t: PMap<number>) => PMap<number>): void {
  const tables = d.tables.slice();
  while (tables.length <= level) tables.push(PMap.empty());
  tables[level] = fn(tables[level]);
  d.tables = tables;
}

export const pageTablesSlice = transientSlice<PageTablesState>({
  name: 'pageTables',
  initial: { domains: PMap.empty() },
  on: {
    DomainAllocated(s, e, tx) {
      return update(s, e.domain, tx, (d) => {
        d.pgsizeBitmap = e.pgsizeBitmap;
      });
    },
    PgtableConfigured(s, e, tx) {
      return update(s, e.domain, tx, (d) => {
        d.config = { fmt: e.fmt, ias: e.ias, oas: e.oas, granule: e.granule, pgsizeBitmap: e.pgsizeBitmap, startLevel: e.startLevel, pgdBits: e.pgdBits };
        d.pgsizeBitmap = e.pgsizeBitmap;
      });
    },
    MapFailed(s, e, tx) {
      // the leaves written before the error; the unroll's Unmapped removes them again
      if (!e.leaves || e.leaves.length === 0) return s;
      return update(s, e.domain, tx, (d) => writeLeaves(d, leavesOf({ ...e, size: e.mapped }, pageSizesOf(d.pgsizeBitmap)), tx));
    },
    Mapped(s, e, tx) {
      const d = open(s, e.domain, tx);
      const st = opened;
      d.maps += 1;
      const sizes = pageSizesOf(d.pgsizeBitmap);
      if (e.leaves) {
        // the producer says which leaves were written: only those replace what was there
        writeLeaves(d, leavesOf(e, sizes), tx);
        return st;
      }
      const pfn = pfnOf(e.iova);
      const pages = pagesOf(e.size);
      let runs = d.runs;
      if (runs.size !== 0 && overlapsAny(runs, pfn, pfn + pages)) {
        const r = removeRange(runs, pfn, pfn + pages, sizes, tx);
        runs = r.runs;
        d.overmappedPages += r.removedPages;
        d.mappedPages -= r.removedPages;
      }
      let added = 0;
      const leaves = coverRange(pfn, pfn + pages, pfnOf(e.paddr), sizes, e.prot, e.seq, scratchRuns);
      for (let i = 0; i < leaves.length; i++) {
        const run = leaves[i];
        runs = runs.set(run.pfn, run, tx);
        added += runPages(run);
      }
      leaves.length = 0;
      d.runs = runs;
      d.mappedPages += added;
      if (d.mappedPages > d.peakPages) d.peakPages = d.mappedPages;
      return st;
    },
    Unmapped(s, e, tx) {
      const d = open(s, e.domain, tx);
      const st = opened;
      const pfn = pfnOf(e.iova);
      const pages = pagesOf(e.unmappedSize);
      d.unmaps += 1;
      if (pages === 0) return st;
      const r = removeRange(d.runs, pfn, pfn + pages, splitSizes(d), tx);
      d.runs = r.runs;
      d.mappedPages -= r.removedPages;
      d.missingPages += pages - r.removedPages;
      return st;
    },
    PgtableTableAllocated(s, e, tx) {
      return update(s, e.domain, tx, (d) => tableUpdate(d, e.level, tx, (t) => t.set(pfnOf(e.iova), e.seq, tx)));
    },
    PgtableTableFreed(s, e, tx) {
      return update(s, e.domain, tx, (d) => {
        const lo = pfnOf(e.iova);
        const hi = lo + pagesOf(e.size) - 1;
        // a freed table takes every leaf below it (io-pgtable-arm.c __arm_lpae_free_pgtable)
        const r = removeRange(d.runs, lo, hi + 1, splitSizes(d), tx);
        d.runs = r.runs;
        d.mappedPages -= r.removedPages;
        for (let level = e.level; level < Math.max(d.tables.length, e.level + 1); level++) {
          tableUpdate(d, level, tx, (t) => {
            const doomed = level === e.level ? (t.has(lo) ? [lo] : []) : keysIn(t, lo, hi);
            for (const k of doomed) t = t.delete(k, tx);
            return t;
          });
        }
      });
    },
    DomainFreed(s, e, tx) {
      if (!s.domains.has(e.domain)) return s;
      // the page table goes with the domain; what was still mapped is a leak the checks report
      return update(s, e.domain, tx, (d) => {
        d.tables = [];
      });
    },
  },
  snapshot(s) {
    const out: unknown[] = [];
    s.domains.forEach((_, d) => {
      const runs: Run[] = [];
      d.runs.forEach((_, r) => void runs.push(r));
      out.push({
        ...d,
        _tx: undefined,
        runs,
        tables: d.tables.map((t) => [t.keys(), t.entries().map((x) => x[1])]),
      });
    });
    return out;
  },
  restore(data) {
    const list = data as (Omit<DomainPageTable, 'runs' | 'tables'> & { runs: Run[]; tables: [number[], number[]][] })[];
    return {
      domains: PMap.fromSorted(
        list.map((d) => d.domain),
        list.map((d) => ({
          ...d,
          _tx: null,
          runs: PMap.fromSorted(
            d.runs.map((r) => r.pfn),
            d.runs,
          ),
          tables: d.tables.map(([k, v]) => PMap.fromSorted(k, v)),
        })),
      ),
    };
  },
  encode: encodePageTables,
  decode: decodePageTables,
  encodeDelta: encodePageTablesDelta,
  decodeDelta: decodePageTablesDelta,
  hash(s, h) {
    s.domains.forEach((id, d) => {
      h.add('pt', id, d.pgsizeBitmap, d.mappedPages, d.peakPages, d.maps, d.unmaps, d.overmappedPages, d.missingPages);
      if (d.config) h.add('ptcfg', d.config.fmt, d.config.ias, d.config.oas, d.config.granule, d.config.pgsizeBitmap, d.config.startLevel, d.config.pgdBits);
      d.runs.forEach((_, r) => h.add('r', r.pfn, r.ppfn, r.pgsize, r.count, r.prot, r.seq));
      d.tables.forEach((t, level) => t.forEach((k, seq) => h.add('t', level, k, seq)));
    });
  },
});

function writeLeaves(d: W, leaves: readonly Run[], tx: Tx): void {
  let runs = d.runs;
  for (const run of leaves) {
    if (overlapsAny(runs, run.pfn, run.pfn + runPages(run))) {
      const r = removeRange(runs, run.pfn, run.pfn + runPages(run), splitSizes(d), tx);
      runs = r.runs;
      d.overmappedPages += r.removedPages;
      d.mappedPages -= r.removedPages;
    }
    runs = runs.set(run.pfn, run, tx);
    d.mappedPages += runPages(run);
  }
  d.runs = runs;
  if (d.mappedPages > d.peakPages) d.peakPages = d.mappedPages;
}

function overlapsAny(runs: PMap<Run>, a: number, b: number): boolean {
  const r = runs.floorValue(b - 1);
  return r !== undefined && r.pfn + runPages(r) > a;
}

function keysIn(t: PMap<number>, lo: number, hi: number): number[] {
  const out: number[] = [];
  t.forEachInRange(lo, hi, (k) => void out.push(k));
  return out;
}
