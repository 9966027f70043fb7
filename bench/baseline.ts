// The hand-written mutable baseline: the same state the reducers keep — per domain the live
// page-table runs in IOVA order (so any address can be translated and an unmap can split a run),
// the IOVA tree in order, rcache magazines, per-device DMA-API entries, per-type counts — kept the
// way a quick hand-written replay script would: plain arrays and Maps mutated in place, sorted
// arrays with binary search, no history, no sharing between versions. The reducers must stay
// within 1.5x of it.
import { type IommuEvent } from '../domain-events/index.js';

interface MRun {
  pfn: number;
  ppfn: number;
  pages: number;
  seq: number;
}

/** A sorted array map: keys ascending, values beside them. */
class SortedMap<V> {
  keys: number[] = [];
  vals: V[] = [];
  private find(k: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  set(k: number, v: V): void {
    const i = this.find(k);
    if (this.keys[i] === k) this.vals[i] = v;
    else {
      this.keys.splice(i, 0, k);
      this.vals.splice(i, 0, v);
    }
  }
  delete(k: number): void {
    const i = this.find(k);
    if (this.keys[i] === k) {
      this.keys.splice(i, 1);
      this.vals.splice(i, 1);
    }
  }
  /** index of the greatest key <= k, or -1 */
  floor(k: number): number {
    const i = this.find(k);
    return this.keys[i] === k ? i : i - 1;
  }
}

interface MDomain {
  runs: SortedMap<MRun>;
  nodes: SortedMap<number>;
  loaded: number[][][];
  prev: number[][][];
  depot: number[][][];
  mappedPages: number;
  cached: number | null;
  cached32: number | null;
  max32: number;
}

interface MEntry {
  dma: bigint;
  size: bigint;
  seq: number;
}

function removeRange(d: MDomain, a: number, b: number): void {
  let i = d.runs.floor(a);
  if (i < 0) i = 0;
  while (i < d.runs.keys.length && d.runs.keys[i] < b) {
    const r = d.runs.vals[i];
    const end = r.pfn + r.pages;
    if (end <= a) {
      i++;
      continue;
    }
    d.runs.delete(r.pfn);
    const lo = Math.max(a, r.pfn);
    const hi = Math.min(b, end);
    d.mappedPages -= hi - lo;
    if (r.pfn < lo) d.runs.set(r.pfn, { ...r, pages: lo - r.pfn });
    if (hi < end) d.runs.set(hi, { pfn: hi, ppfn: r.ppfn + (hi - r.pfn), pages: end - hi, seq: r.seq });
    i = d.runs.floor(hi) + 1;
  }
}

export function baselineReplay(events: readonly IommuEvent[]): { mappedPages: number; events: number } {
  const domains = new Map<number, MDomain>();
  const dma = new Map<string, Map<bigint, MEntry>>();
  const byType = new Map<string, number>();
  let lastSeq = -1;
  let lastTs: number | null = null;
  const dom = (id: number): MDomain => {
    let d = domains.get(id);
    if (!d) {
      const mk = () => Array.from({ length: 6 }, () => [[], []] as number[][]);
      d = { runs: new SortedMap(), nodes: new SortedMap(), loaded: mk(), prev: mk(), depot: mk(), mappedPages: 0, cached: null, cached32: null, max32: 1 << 20 };
      domains.set(id, d);
    }
    return d;
  };
  for (const e of events) {
    byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    lastSeq = e.seq;
    if (e.ts !== null) lastTs = e.ts;
    switch (e.type) {
      case 'Mapped': {
        const d = dom(e.domain);
        const pfn = Number(e.iova >> 12n);
        const pages = Number((e.size + 0xfffn) >> 12n);
        const f = d.runs.floor(pfn + pages - 1);
        if (f >= 0 && d.runs.vals[f].pfn + d.runs.vals[f].pages > pfn) removeRange(d, pfn, pfn + pages);
        d.runs.set(pfn, { pfn, ppfn: Number(e.paddr >> 12n), pages, seq: e.seq });
        d.mappedPages += pages;
        break;
      }
      case 'Unmapped': {
        const d = dom(e.domain);
        const pfn = Number(e.iova >> 12n);
        removeRange(d, pfn, pfn + Number((e.unmappedSize + 0xfffn) >> 12n));
        break;
      }
      case 'IovaAllocated': {
        const d = dom(e.domain);
        const cpu = e.cpu ?? 0;
        if (e.fromRcache) {
          const o = Math.ceil(Math.log2(e.pfnHi - e.pfnLo + 1));
          const m = d.loaded[o][cpu] ?? (d.loaded[o][cpu] = []);
          const top = m.pop();
          if (e.magIndex !== null && e.magIndex < m.length && top !== undefined) m[e.magIndex] = top;
        } else d.nodes.set(e.pfnLo, e.pfnHi);
        d.cached = e.cachedNode;
        d.cached32 = e.cached32Node;
        break;
      }
      case 'IovaFreed': {
        const d = dom(e.domain);
        d.nodes.delete(e.pfnLo);
        d.cached = e.cachedNode;
        d.cached32 = e.cached32Node;
        d.max32 = e.max32AllocSize;
        break;
      }
      case 'IovaCached': {
        const d = dom(e.domain);
        const cpu = e.cpu ?? 0;
        (d.loaded[e.order][cpu] ?? (d.loaded[e.order][cpu] = [])).push(e.pfn);
        break;
      }
      case 'RcacheChanged': {
        const d = dom(e.domain);
        const cpu = e.cpu ?? 0;
        const L = d.loaded[e.order];
        const P = d.prev[e.order];
        if (e.op === 'swap') [L[cpu], P[cpu]] = [P[cpu] ?? [], L[cpu] ?? []];
        else if (e.op === 'depot-push') {
          d.depot[e.order].push(L[cpu] ?? []);
          L[cpu] = [];
        } else if (e.op === 'depot-pop') L[cpu] = d.depot[e.order].pop() ?? [];
        break;
      }
      case 'DmaApiCalled': {
        let m = dma.get(e.device);
        if (!m) dma.set(e.device, (m = new Map()));
        if (e.dmaAddr === null) break;
        if (e.call.startsWith('map') || e.call.startsWith('alloc')) m.set(e.dmaAddr, { dma: e.dmaAddr, size: e.size ?? 0n, seq: e.seq });
        else if (!e.call.startsWith('sync')) m.delete(e.dmaAddr);
        break;
      }
      default:
        break;
    }
  }
  let mapped = 0;
  for (const d of domains.values()) mapped += d.mappedPages;
  return { mappedPages: mapped, events: events.length + (lastSeq < 0 || lastTs === null ? 0 : 0) };
}
