// A mapping-heavy synthetic journal for benchmarks: NVMe-like runs of 4K–256K and NIC-like
// single pages over several domains and two CPUs, with the IOVA allocator's own traffic as
// iova.c makes it (rbtree allocations, rcache pushes with loaded/prev swaps and depot pushes, pops
// that reuse cached IOVAs). Deterministic from a seed; no overlapping mappings.
import {
  DmaApiCalled,
  DomainAllocated,
  IovaAllocated,
  IovaCached,
  IovaDomainInitialised,
  IovaFreed,
  type IommuEvent,
  Mapped,
  MarkerWritten,
  RcacheChanged,
  Unmapped,
} from '../domain-events/index.js';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const MAG = 127;
/** pfns in one 4 GiB IOVA window */
const WINDOW = 0x100000;
const CPUS = 2;

interface CpuMags {
  loaded: number[];
  prev: number[];
}

interface Dom {
  id: number;
  live: { pfn: number; pages: number; cpu: number }[];
  next: number;
  /** top of the 4 GiB IOVA window allocations come down from (pfn) */
  top: number;
  /** [order][cpu] */
  mags: CpuMags[][];
  depot: number[][][];
}

function order(pages: number): number {
  let o = 0;
  while (1 << o < pages) o++;
  return o;
}

export function syntheticJournal(n: number, seed = 1, domains = 4): IommuEvent[] {
  const out: IommuEvent[] = [];
  for (const chunk of syntheticStream(n, seed, domains)) for (const e of chunk) out.push(e);
  return out;
}

/**
 * The same events as syntheticJournal, in chunks of about `chunk` events with their seqs set, so a
 * journal of any length can be built in bounded memory.
 */
export function* syntheticStream(n: number, seed = 1, domains = 4, chunk = 65536): Generator<IommuEvent[]> {
  const r = rng(seed);
  let ev: IommuEvent[] = [];
  let emitted = 0;
  const flush = (): IommuEvent[] => {
    const out = ev.length + emitted > n ? ev.slice(0, n - emitted) : ev;
    out.forEach((e, i) => ((e as { seq: number }).seq = emitted + i));
    emitted += out.length;
    ev = [];
    return out;
  };
  const doms: Dom[] = [];
  let ts = 1_000_000_000;
  let line = 1;
  for (let d = 1; d <= domains; d++) {
    ev.push(
      DomainAllocated.make(
        { domain: d, domainType: 'DMA', apertureStart: 0n, apertureEnd: (1n << 48n) - 1n, forceAperture: true, pgsizeBitmap: 0x40201000n, fmt: 'ARM_64_LPAE_S1', group: d, parent: null, owner: 'default' },
        { ts, line: line++, src: 'synthetic' },
      ),
    );
    ev.push(IovaDomainInitialised.make({ domain: d, granule: 4096, startPfn: 1, dma32bitPfn: 1 << 20, cpus: CPUS, rcaches: true, errno: null }, { ts, line: line++, src: 'synthetic' }));
    const mags: CpuMags[][] = [];
    const depot: number[][][] = [];
    for (let o = 0; o < 6; o++) {
      mags.push(Array.from({ length: CPUS }, () => ({ loaded: [], prev: [] })));
      depot.push([]);
    }
    doms.push({ id: d, live: [], next: WINDOW, top: WINDOW, mags, depot });
  }
  while (emitted + ev.length < n) {
    if (ev.length >= chunk) yield flush();
    ts += 1000 + Math.floor(r() * 5000);
    const dom = doms[Math.floor(r() * domains)];
    const d = dom.id;
    const cpu = Math.floor(r() * CPUS);
    const meta = { ts, cpu, line: line++, src: 'synthetic', task: 'kworker/0:1H', pid: 37, irq: 'd.h1.' };
    const device = `0000:00:0${d}.0`;
    if (dom.live.length > 96 && r() < 0.5) {
      const i = Math.floor(r() * dom.live.length);
      const m = dom.live[i];
      dom.live[i] = dom.live[dom.live.length - 1];
      dom.live.pop();
      const iova = BigInt(m.pfn) << 12n;
      const size = BigInt(m.pages) << 12n;
      ev.push(Unmapped.make({ domain: d, iova, size, unmappedSize: size, warn: 0 }, meta));
      ev.push(DmaApiCalled.make({ device, call: 'unmap_page', dir: 'FROM_DEVICE', dmaAddr: iova, phys: null, size, attrs: '', gfp: null, sg: null, errno: null, domain: d }, meta));
      const o = order(m.pages);
      if (o >= 6) {
        ev.push(IovaFreed.make({ domain: d, pfnLo: m.pfn, pfnHi: m.pfn + m.pages - 1, via: 'free_iova', cachedNode: null, cached32Node: null, max32AllocSize: 1 << 20 }, meta));
        continue;
      }
      const c = dom.mags[o][cpu];
      if (c.loaded.length === MAG) {
        if (c.prev.length < MAG) {
          [c.loaded, c.prev] = [c.prev, c.loaded];
          ev.push(RcacheChanged.make({ domain: d, order: o, op: 'swap', index: null }, meta));
        } else {
          dom.depot[o].push(c.loaded);
          c.loaded = [];
          ev.push(RcacheChanged.make({ domain: d, order: o, op: 'depot-push', index: null }, meta));
        }
      }
      c.loaded.push(m.pfn);
      ev.push(IovaCached.make({ domain: d, pfn: m.pfn, size: m.pages, order: o }, meta));
    } else {
      const pages = r() < 0.6 ? 1 : 1 << Math.floor(r() * 7);
      const o = order(pages);
      let pfn = -1;
      let fromRcache = false;
      let magIndex: number | null = null;
      if (o < 6) {
        const c = dom.mags[o][cpu];
        if (c.loaded.length === 0 && c.prev.length > 0) {
          [c.loaded, c.prev] = [c.prev, c.loaded];
          ev.push(RcacheChanged.make({ domain: d, order: o, op: 'swap', index: null }, meta));
        } else if (c.loaded.length === 0 && dom.depot[o].length > 0) {
          c.loaded = dom.depot[o].pop()!;
          ev.push(RcacheChanged.make({ domain: d, order: o, op: 'depot-pop', index: null }, meta));
        }
        if (c.loaded.length > 0) {
          magIndex = c.loaded.length - 1;
          pfn = c.loaded.pop()!;
          fromRcache = true;
        }
      }
      const span = o < 6 ? 1 << o : pages;
      if (pfn < 0) {
        // past ~13 M events a domain has walked its whole window down: go on from the top of the
        // next one (never reused, so nothing cached in the rcache can collide)
        if (dom.next - span < dom.top - WINDOW + 1) dom.next = dom.top += WINDOW;
        dom.next -= span;
        dom.next -= dom.next % span;
        pfn = dom.next;
      }
      const iova = BigInt(pfn) << 12n;
      const paddr = BigInt(0x40000 + Math.floor(r() * 0x100000)) << 12n;
      ev.push(
        IovaAllocated.make({ domain: d, size: pages, limitPfn: dom.top - 1, sizeAligned: true, pfnLo: pfn, pfnHi: pfn + span - 1, fromRcache, magIndex, cachedNode: null, cached32Node: fromRcache ? null : pfn }, meta),
      );
      ev.push(Mapped.make({ domain: d, iova, paddr, size: BigInt(pages) << 12n, prot: 7, leaves: null, warn: 0 }, meta));
      ev.push(DmaApiCalled.make({ device, call: 'map_page', dir: 'FROM_DEVICE', dmaAddr: iova, phys: paddr, size: BigInt(pages) << 12n, attrs: '', gfp: null, sg: null, errno: null, domain: d }, meta));
      dom.live.push({ pfn, pages, cpu });
    }
    if (line % 5000 === 0) ev.push(MarkerWritten.make({ text: `RUN step ${line}` }, meta));
  }
  if (ev.length) yield flush();
}
