// The page-table view of one domain: leaf mappings with their page size, iova_to_phys, and the
// number of page-table pages (as reported by a format-aware producer, else estimated from the
// leaves for an LPAE-like 4 KiB-granule, 512-entry table).
import { type DomainPageTable, pfnOf, type Run, runEnd, runPages, translate } from '../reducers/index.js';

export interface LeafView {
  readonly iova: bigint;
  readonly paddr: bigint;
  readonly pgsize: number;
  readonly count: number;
  readonly size: bigint;
  readonly prot: number | null;
  /** event that wrote it */
  readonly seq: number;
}

export interface PageTableView {
  readonly domain: number;
  readonly pgsizeBitmap: bigint;
  readonly runs: number;
  readonly mappedBytes: bigint;
  readonly peakBytes: bigint;
  readonly maps: number;
  readonly unmaps: number;
  /** page-table pages: reported by the producer, or estimated */
  readonly tablePages: number;
  readonly tablePagesReported: boolean;
  readonly leafCounts: Readonly<Record<string, number>>;
  readonly overmappedBytes: bigint;
  readonly missingBytes: bigint;
}

export function leafView(r: Run): LeafView {
  return {
    iova: BigInt(r.pfn) << 12n,
    paddr: BigInt(r.ppfn) << 12n,
    pgsize: r.pgsize,
    count: r.count,
    size: BigInt(runPages(r)) << 12n,
    prot: r.prot,
    seq: r.seq,
  };
}

/** Leaf runs overlapping [lo, hi) (byte addresses), in IOVA order, at most `limit`. */
export function leavesIn(pt: DomainPageTable, lo: bigint, hi: bigint, limit = Infinity): LeafView[] {
  const a = pfnOf(lo);
  const b = pfnOf(hi + 0xfffn);
  const out: LeafView[] = [];
  const first = pt.runs.floorKey(a);
  const from = first !== undefined && runEnd(pt.runs.get(first)!) > a ? first : a;
  pt.runs.forEachInRange(from, b - 1, (_, r) => {
    out.push(leafView(r));
    return out.length < limit;
  });
  return out;
}

export function iovaToPhys(pt: DomainPageTable, iova: bigint): bigint | null {
  return translate(pt.runs, iova);
}

/** Distinct tables an LPAE 4K/48-bit walk needs for the live leaves (levels 0..3). */
function estimateTables(pt: DomainPageTable): number {
  if (pt.runs.size === 0) return 1;
  const per = [new Set<number>(), new Set<number>(), new Set<number>()];
  pt.runs.forEach((_, r) => {
    const leafPages = r.pgsize / 4096;
    // a leaf of 4K lives in a level-3 table (span 2M = 512 pages), 2M in level 2 (1G), 1G in level 1 (512G)
    const spans = [2 ** 27, 2 ** 18, 2 ** 9];
    for (let i = 0; i < 3; i++) {
      const tableSpan = spans[i];
      if (leafPages >= tableSpan) break;
      for (let p = r.pfn; p < runEnd(r); p += Math.max(tableSpan, leafPages)) per[i].add(Math.floor(p / tableSpan));
    }
  });
  return 1 + per[0].size + per[1].size + per[2].size;
}

export function pageTableView(pt: DomainPageTable): PageTableView {
  const leafCounts: Record<string, number> = {};
  pt.runs.forEach((_, r) => {
    const k = String(r.pgsize);
    leafCounts[k] = (leafCounts[k] ?? 0) + r.count;
  });
  let reported = 0;
  for (const t of pt.tables) reported += t.size;
  return {
    domain: pt.domain,
    pgsizeBitmap: pt.pgsizeBitmap,
    runs: pt.runs.size,
    mappedBytes: BigInt(pt.mappedPages) << 12n,
    peakBytes: BigInt(pt.peakPages) << 12n,
    maps: pt.maps,
    unmaps: pt.unmaps,
    tablePages: reported > 0 ? reported : estimateTables(pt),
    tablePagesReported: reported > 0,
    leafCounts,
    overmappedBytes: BigInt(pt.overmappedPages) << 12n,
    missingBytes: BigInt(pt.missingPages) << 12n,
  };
}
