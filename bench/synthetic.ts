// A mapping-heavy synthetic journal for benchmarks: NVMe-like sg maps of 4K–256K and NIC-like
// single pages over several domains, with IOVA allocation and rcache traffic, deterministic from
// a seed. (The simulate workloads replace this when a profile drives the benchmark.)
import { DmaApiCalled, DomainAllocated, IovaAllocated, IovaCached, IovaDomainInitialised, type IommuEvent, Mapped, MarkerWritten, Unmapped } from '../domain-events/index.js';

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

export function syntheticJournal(n: number, seed = 1, domains = 4): IommuEvent[] {
  const r = rng(seed);
  const ev: IommuEvent[] = [];
  const live: { d: number; pfn: number; pages: number }[][] = [];
  const next: number[] = [];
  let ts = 1_000_000_000;
  let line = 1;
  for (let d = 1; d <= domains; d++) {
    ev.push(
      DomainAllocated.make(
        { domain: d, domainType: 'DMA', apertureStart: 0n, apertureEnd: (1n << 48n) - 1n, forceAperture: true, pgsizeBitmap: 0x40201000n, fmt: 'ARM_64_LPAE_S1', group: d, parent: null, owner: 'default' },
        { ts, line: line++, src: 'synthetic' },
      ),
    );
    ev.push(IovaDomainInitialised.make({ domain: d, granule: 4096, startPfn: 1, dma32bitPfn: 1 << 20, cpus: 2, rcaches: true, errno: null }, { ts, line: line++, src: 'synthetic' }));
    live.push([]);
    next.push(0x100000);
  }
  while (ev.length < n) {
    ts += 1000 + Math.floor(r() * 5000);
    const d = 1 + Math.floor(r() * domains);
    const L = live[d - 1];
    const cpu = Math.floor(r() * 2);
    const meta = { ts, cpu, line: line++, src: 'synthetic', task: 'kworker/0:1H', pid: 37, irq: 'd.h1.' };
    if (L.length > 64 && r() < 0.5) {
      const i = Math.floor(r() * L.length);
      const m = L[i];
      L[i] = L[L.length - 1];
      L.pop();
      const iova = BigInt(m.pfn) << 12n;
      const size = BigInt(m.pages) << 12n;
      ev.push(Unmapped.make({ domain: d, iova, size, unmappedSize: size, warn: 0 }, meta));
      ev.push(DmaApiCalled.make({ device: `0000:00:0${d}.0`, call: 'unmap_page', dir: 'FROM_DEVICE', dmaAddr: iova, phys: null, size, attrs: '', gfp: null, sg: null, errno: null, domain: d }, meta));
      if (m.pages <= 32) ev.push(IovaCached.make({ domain: d, pfn: m.pfn, size: m.pages, order: Math.ceil(Math.log2(m.pages)) }, meta));
    } else {
      const pages = r() < 0.6 ? 1 : 1 << Math.floor(r() * 7);
      next[d - 1] -= pages;
      if (next[d - 1] < 0x1000) next[d - 1] = 0x100000 - pages;
      const pfn = next[d - 1];
      const iova = BigInt(pfn) << 12n;
      const paddr = BigInt(0x40000 + Math.floor(r() * 0x100000)) << 12n;
      ev.push(
        IovaAllocated.make(
          { domain: d, size: pages, limitPfn: 0xfffff, sizeAligned: true, pfnLo: pfn, pfnHi: pfn + pages - 1, fromRcache: false, magIndex: null, cachedNode: null, cached32Node: pfn },
          meta,
        ),
      );
      // the same pfn may come back from a later wrap; keep the journal free of overlaps
      if (L.some((x) => x.pfn === pfn)) continue;
      ev.push(Mapped.make({ domain: d, iova, paddr, size: BigInt(pages) << 12n, prot: 7, leaves: null, warn: 0 }, meta));
      ev.push(
        DmaApiCalled.make(
          { device: `0000:00:0${d}.0`, call: 'map_page', dir: 'FROM_DEVICE', dmaAddr: iova, phys: paddr, size: BigInt(pages) << 12n, attrs: '', gfp: null, sg: null, errno: null, domain: d },
          meta,
        ),
      );
      L.push({ d, pfn, pages });
    }
    if (line % 5000 === 0) ev.push(MarkerWritten.make({ text: `RUN step ${line}` }, meta));
  }
  ev.length = n;
  ev.forEach((e, i) => ((e as { seq: number }).seq = i));
  return ev;
}
