// The same physical page reachable from two domains at once (two devices can DMA to it).
// Legitimate for shared buffers, so informational: a hint when one device's DMA corrupts memory
// another device owns. MSI doorbell pages (mapped in every domain that signals them) are not
// reported.
import { pagesOf, pfnOf } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { domainName, hexb, liveRuns, pageAddr } from './live.js';

/** pages counted per map at most: a 1 GiB identity map is not worth a walk */
const MAX_PAGES = 1 << 16;
/** owner encoding for a page mapped in one domain only: domain * SHIFT + mappings */
const SHIFT = 1 << 20;

/** Live mappings per physical page and domain, compact for the common single-owner page. */
class PageOwners {
  private readonly single = new Map<number, number>();
  private readonly multi = new Map<number, Map<number, number>>();

  /** adds (by > 0) or removes mappings; on add, returns another domain mapping the page, if any */
  add(ppfn: number, domain: number, by: number): number | null {
    const m = this.multi.get(ppfn);
    if (m !== undefined) {
      const n = (m.get(domain) ?? 0) + by;
      if (n > 0) m.set(domain, n);
      else m.delete(domain);
      if (m.size === 1) {
        const [[d, c]] = [...m];
        this.multi.delete(ppfn);
        this.single.set(ppfn, d * SHIFT + c);
      } else if (m.size === 0) this.multi.delete(ppfn);
      if (by > 0) for (const d of m.keys()) if (d !== domain) return d;
      return null;
    }
    const v = this.single.get(ppfn);
    if (v === undefined) {
      if (by > 0) this.single.set(ppfn, domain * SHIFT + by);
      return null;
    }
    const owner = Math.floor(v / SHIFT);
    const count = v % SHIFT;
    if (owner === domain) {
      if (count + by > 0) this.single.set(ppfn, owner * SHIFT + count + by);
      else this.single.delete(ppfn);
      return null;
    }
    if (by <= 0) return null;
    this.single.delete(ppfn);
    this.multi.set(ppfn, new Map([[owner, count], [domain, by]]));
    return owner;
  }
}

export const physShared: Check = defineCheck({
  id: 'iommu/phys-shared',
  version: 1,
  severity: 'info',
  description: 'a physical page mapped in two domains at once (two devices can reach it)',
  on: ['Mapped', 'Unmapped'],
  create: () => {
    const owners = new PageOwners();
    const reported = new Set<string>();
    return {
      inspect(e, s, emit) {
        if (e.type === 'Unmapped') {
          const a = pfnOf(e.iova);
          const b = a + pagesOf(e.unmappedSize);
          for (const r of liveRuns(s, e.domain, e.iova, e.unmappedSize, e)) {
            const lo = Math.max(a, r.pfn);
            const hi = Math.min(b, r.pfn + (r.pgsize / 4096) * r.count);
            if (hi - lo > MAX_PAGES) continue;
            for (let p = lo; p < hi; p++) owners.add(r.ppfn + (p - r.pfn), e.domain, -1);
          }
          return;
        }
        if (e.type !== 'Mapped') return;
        const n = pagesOf(e.size);
        if (n > MAX_PAGES) return;
        const first = pfnOf(e.paddr);
        let hit: { ppfn: number; other: number } | null = null;
        for (let i = 0; i < n; i++) {
          const other = owners.add(first + i, e.domain, 1);
          if (other !== null && hit === null) hit = { ppfn: first + i, other };
        }
        if (hit === null) return;
        // an MSI doorbell (the arm64 ITS page) is mapped in every domain whose devices signal
        // it: that is how MSIs are translated, not a page two devices share for DMA
        const doorbell = pageAddr(hit.ppfn);
        if (s.cookies.byDomain[hit.other]?.msiPages.some((p) => p.doorbell >> 12n === doorbell >> 12n)) return;
        const key = `${Math.min(e.domain, hit.other)}:${Math.max(e.domain, hit.other)}:${hit.ppfn}`;
        if (reported.has(key)) return;
        reported.add(key);
        emit({
          message: `physical page ${hexb(pageAddr(hit.ppfn))} mapped at ${hexb(e.iova)} in ${domainName(s, e.domain)} is also mapped in ${domainName(s, hit.other)}`,
          domain: e.domain,
          address: pageAddr(hit.ppfn),
          addressSpace: 'phys',
        });
      },
    };
  },
});
