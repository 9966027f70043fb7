// What the IOVA picture of one domain shows in a window of its address space at one point:
// the allocator's ranges (allocated, reserved, parked in rcaches), the live mappings of the
// page table, the free gaps, MSI doorbell pages and reserved regions; and, for windows holding
// more than fits in a list, how much of each pixel column is allocated and mapped. Everything
// in 4 KiB pages (IOVA-domain pfns are scaled by the granule) so both layers share one axis.
import { iovaGaps, iovaRanges } from '../projections/index.js';
import { type State, runEnd } from '../reducers/index.js';

export interface IovaWindow {
  readonly domain: number;
  readonly lo: number;
  readonly hi: number;
  readonly granulePages: number;
  readonly startPage: number | null;
  readonly dma32Page: number | null;
  readonly ranges: readonly { lo: number; hi: number; kind: string; reason?: string }[];
  readonly rangesTotal: number;
  readonly maps: readonly { lo: number; hi: number; iova: bigint; paddr: bigint; pgsize: number; count: number; prot: number | null; seq: number }[];
  readonly mapsTotal: number;
  readonly gaps: readonly { lo: number; hi: number }[];
  readonly doorbells: readonly { page: number; iova: bigint; doorbell: bigint; seq: number }[];
  readonly regions: readonly { lo: number; hi: number; kind: string; device: string | null }[];
  /** fraction of each of `cols` equal columns of [lo, hi] covered by IOVA ranges / mappings */
  readonly cols: { readonly alloc: readonly number[]; readonly mapped: readonly number[] };
}

function cover(arr: number[], lo: number, hi: number, a: number, b: number): void {
  const n = arr.length;
  const w = (hi - lo + 1) / n;
  const x = Math.max(a, lo);
  const y = Math.min(b, hi);
  if (x > y) return;
  const c0 = Math.floor((x - lo) / w);
  const c1 = Math.min(n - 1, Math.floor((y - lo) / w));
  for (let c = c0; c <= c1; c++) {
    const cs = lo + c * w;
    const ce = cs + w;
    arr[c] += (Math.min(ce, y + 1) - Math.max(cs, x)) / w;
  }
}

export function iovaWindow(s: State, domain: number, lo: number, hi: number, limit: number, cols: number): IovaWindow {
  const iov = s.iova.domains.get(domain);
  const pt = s.pageTables.domains.get(domain);
  const g = iov ? iov.granule / 4096 : 1;
  const alloc = new Array<number>(cols).fill(0);
  const mapped = new Array<number>(cols).fill(0);
  const ranges: IovaWindow['ranges'][number][] = [];
  let rangesTotal = 0;
  const gaps: { lo: number; hi: number }[] = [];
  if (iov) {
    for (const r of iovaRanges(iov, Math.floor(lo / g), Math.floor(hi / g))) {
      const a = r.pfnLo * g;
      const b = (r.pfnHi + 1) * g - 1;
      rangesTotal++;
      cover(alloc, lo, hi, a, b);
      if (ranges.length < limit) ranges.push({ lo: a, hi: b, kind: r.kind, ...(r.reason !== undefined ? { reason: r.reason } : {}) });
    }
    const top = Math.floor(hi / g);
    iovaGaps(iov, top, (gp) => {
      if ((gp.pfnHi + 1) * g - 1 < lo) return;
      gaps.push({ lo: Math.max(lo, gp.pfnLo * g), hi: Math.min(hi, (gp.pfnHi + 1) * g - 1) });
      return gaps.length < limit;
    });
  }
  const maps: IovaWindow['maps'][number][] = [];
  let mapsTotal = 0;
  if (pt) {
    const first = pt.runs.floorKey(lo);
    const from = first !== undefined && runEnd(pt.runs.get(first)!) > lo ? first : lo;
    pt.runs.forEachInRange(from, hi, (_, r) => {
      const end = runEnd(r) - 1;
      mapsTotal++;
      cover(mapped, lo, hi, r.pfn, end);
      if (maps.length < limit)
        maps.push({ lo: r.pfn, hi: end, iova: BigInt(r.pfn) << 12n, paddr: BigInt(r.ppfn) << 12n, pgsize: r.pgsize, count: r.count, prot: r.prot, seq: r.seq });
    });
  }
  const cookie = s.cookies.byDomain[domain];
  const doorbells = (cookie?.msiPages ?? []).map((p) => ({ page: Number(p.iova >> 12n), iova: p.iova, doorbell: p.doorbell, seq: p.seq }));
  const dom = s.topology.domains[domain];
  const devs = new Set(dom?.devices ?? []);
  const regions = s.topology.regions
    .filter((r) => (r.device !== null && devs.has(r.device)) || (r.group !== null && dom?.group === r.group))
    .map((r) => ({ lo: Number(r.start >> 12n), hi: Number(r.end >> 12n), kind: r.kind, device: r.device }))
    .filter((r) => r.hi >= lo && r.lo <= hi);
  return {
    domain,
    lo,
    hi,
    granulePages: g,
    startPage: iov ? iov.startPfn * g : null,
    dma32Page: iov ? iov.dma32bitPfn * g : null,
    ranges,
    rangesTotal,
    maps,
    mapsTotal,
    gaps,
    doorbells,
    regions,
    cols: { alloc: alloc.map((x) => Math.min(1, Math.round(x * 1000) / 1000)), mapped: mapped.map((x) => Math.min(1, Math.round(x * 1000) / 1000)) },
  };
}
