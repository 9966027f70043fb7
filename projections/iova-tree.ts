// The IOVA-tree view of one domain: what the allocator holds (allocated, reserved, parked in
// rcaches), the free gaps between, and how fragmented the space is below and above 4 GiB.
import { type IovaDomainState, rcacheFill } from '../reducers/index.js';

export interface IovaRange {
  readonly pfnLo: number;
  readonly pfnHi: number;
  readonly kind: 'allocated' | 'reserved' | 'cached';
  readonly reason?: string;
}

export interface IovaGap {
  readonly pfnLo: number;
  readonly pfnHi: number;
}

export interface IovaTreeView {
  readonly domain: number;
  readonly granule: number;
  readonly startPfn: number;
  readonly limitPfn: number;
  readonly nodes: number;
  readonly allocatedPfns: number;
  readonly reservedPfns: number;
  readonly cachedPfns: number;
  readonly freePfns: number;
  readonly largestGapBelow4G: IovaGap | null;
  readonly largestGapAbove4G: IovaGap | null;
  /** 1 - largest free gap / all free space, per side of 4 GiB (0 = one contiguous hole) */
  readonly fragmentationBelow4G: number;
  readonly fragmentationAbove4G: number;
  readonly cachedNode: number | null;
  readonly cached32Node: number | null;
  readonly max32AllocSize: number;
  readonly rcache: readonly { order: number; depot: number[][]; cpus: { loaded: number[]; prev: number[] }[] }[];
}

/** Sets of pfns parked in magazines (their nodes stay in the tree). */
function cachedSet(d: IovaDomainState): Set<number> {
  const s = new Set<number>();
  d.rcaches?.forEach((sc) => {
    for (const m of sc.depot) for (const p of m) s.add(p);
    for (const c of sc.cpus) {
      for (const p of c.loaded) s.add(p);
      for (const p of c.prev) s.add(p);
    }
  });
  return s;
}

/** Ranges in [lo, hi], in order, at most `limit` of them. */
export function iovaRanges(d: IovaDomainState, lo = 0, hi = Number.MAX_SAFE_INTEGER, limit = Infinity): IovaRange[] {
  const cached = cachedSet(d);
  const out: IovaRange[] = [];
  const first = d.nodes.floorKey(lo);
  const from = first !== undefined && d.nodes.get(first)! >= lo ? first : lo;
  d.nodes.forEachInRange(from, hi, (pfnLo, pfnHi) => {
    const reason = d.reserved.get(pfnLo);
    out.push({ pfnLo, pfnHi, kind: reason !== undefined ? 'reserved' : cached.has(pfnLo) ? 'cached' : 'allocated', ...(reason !== undefined ? { reason } : {}) });
    return out.length < limit;
  });
  return out;
}

/** Free gaps between startPfn and limitPfn (inclusive), in order. */
export function iovaGaps(d: IovaDomainState, limitPfn: number, visit: (g: IovaGap) => boolean | void): void {
  let at = d.startPfn;
  let stopped = false;
  d.nodes.forEach((lo, hi) => {
    if (lo > limitPfn) return false;
    if (lo > at && visit({ pfnLo: at, pfnHi: Math.min(lo - 1, limitPfn) }) === false) {
      stopped = true;
      return false;
    }
    at = Math.max(at, hi + 1);
  });
  if (!stopped && at <= limitPfn) visit({ pfnLo: at, pfnHi: limitPfn });
}

export function iovaTreeView(d: IovaDomainState, limitPfn?: number): IovaTreeView {
  const shift = Math.log2(d.granule);
  const limit = limitPfn ?? 2 ** (48 - shift) - 1;
  const cached = cachedSet(d);
  let allocated = 0;
  let reserved = 0;
  let cachedPfns = 0;
  d.nodes.forEach((lo, hi) => {
    const n = hi - lo + 1;
    if (d.reserved.has(lo)) reserved += n;
    else if (cached.has(lo)) cachedPfns += n;
    else allocated += n;
  });
  let free = 0;
  let best32: IovaGap | null = null;
  let best64: IovaGap | null = null;
  let free32 = 0;
  let free64 = 0;
  const b = d.dma32bitPfn;
  iovaGaps(d, limit, (g) => {
    free += g.pfnHi - g.pfnLo + 1;
    if (g.pfnLo < b) {
      const part = { pfnLo: g.pfnLo, pfnHi: Math.min(g.pfnHi, b - 1) };
      free32 += part.pfnHi - part.pfnLo + 1;
      if (!best32 || part.pfnHi - part.pfnLo > best32.pfnHi - best32.pfnLo) best32 = part;
    }
    if (g.pfnHi >= b) {
      const part = { pfnLo: Math.max(g.pfnLo, b), pfnHi: g.pfnHi };
      free64 += part.pfnHi - part.pfnLo + 1;
      if (!best64 || part.pfnHi - part.pfnLo > best64.pfnHi - best64.pfnLo) best64 = part;
    }
  });
  const frag = (best: IovaGap | null, total: number) => (best && total ? 1 - (best.pfnHi - best.pfnLo + 1) / total : 0);
  return {
    domain: d.domain,
    granule: d.granule,
    startPfn: d.startPfn,
    limitPfn: limit,
    nodes: d.nodes.size,
    allocatedPfns: allocated,
    reservedPfns: reserved,
    cachedPfns,
    freePfns: free,
    largestGapBelow4G: best32,
    largestGapAbove4G: best64,
    fragmentationBelow4G: frag(best32, free32),
    fragmentationAbove4G: frag(best64, free64),
    cachedNode: d.cachedNode,
    cached32Node: d.cached32Node,
    max32AllocSize: d.max32AllocSize,
    rcache: (d.rcaches ?? []).map((sc, order) => ({
      order,
      depot: [...sc.depot].reverse().map((m) => m.slice()),
      cpus: sc.cpus.map((c) => ({ loaded: c.loaded.slice(), prev: c.prev.slice() })),
    })),
  };
}

export function rcachedPfns(d: IovaDomainState): number {
  return rcacheFill(d.rcaches);
}
