// The same physical page reachable from two domains at once (two devices can DMA to it).
// Legitimate for shared buffers and the arm64 ITS doorbell, so informational: a hint when one
// device's DMA corrupts memory another device owns.
import { pagesOf, pfnOf } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { domainName, hexb, liveRuns, pageAddr } from './live.js';

/** per page, pages counted above this are ignored: a 1 GiB identity map is not worth a walk */
const MAX_PAGES = 1 << 16;

export const physShared: Check = defineCheck({
  id: 'iommu/phys-shared',
  version: 1,
  severity: 'info',
  description: 'a physical page mapped in two domains at once (two devices can reach it)',
  create: () => {
    /** physical pfn -> domain -> live mappings of it */
    const owners = new Map<number, Map<number, number>>();
    const reported = new Set<string>();
    const add = (ppfn: number, domain: number, by: number): number | null => {
      let m = owners.get(ppfn);
      if (m === undefined) owners.set(ppfn, (m = new Map()));
      m.set(domain, (m.get(domain) ?? 0) + by);
      if (m.get(domain)! <= 0) m.delete(domain);
      if (m.size === 0) owners.delete(ppfn);
      if (by < 0) return null;
      for (const other of m.keys()) if (other !== domain) return other;
      return null;
    };
    return {
      inspect(e, s, emit) {
        if (e.type === 'Unmapped') {
          const a = pfnOf(e.iova);
          const b = a + pagesOf(e.unmappedSize);
          for (const r of liveRuns(s, e.domain, e.iova, e.unmappedSize)) {
            const lo = Math.max(a, r.pfn);
            const hi = Math.min(b, r.pfn + (r.pgsize / 4096) * r.count);
            if (hi - lo > MAX_PAGES) continue;
            for (let p = lo; p < hi; p++) add(r.ppfn + (p - r.pfn), e.domain, -1);
          }
          return;
        }
        if (e.type !== 'Mapped') return;
        const n = pagesOf(e.size);
        if (n > MAX_PAGES) return;
        const first = pfnOf(e.paddr);
        let hit: { ppfn: number; other: number } | null = null;
        for (let i = 0; i < n; i++) {
          const other = add(first + i, e.domain, 1);
          if (other !== null && hit === null) hit = { ppfn: first + i, other };
        }
        if (hit === null) return;
        const key = `${Math.min(e.domain, hit.other)}:${Math.max(e.domain, hit.other)}:${hit.ppfn}`;
        if (reported.has(key)) return;
        reported.add(key);
        emit({
          message: `physical page ${hexb(pageAddr(hit.ppfn))} mapped at ${hexb(e.iova)} in ${domainName(s, e.domain)} is also mapped in ${domainName(s, hit.other)}`,
          domain: e.domain,
          address: pageAddr(hit.ppfn),
        });
      },
    };
  },
});
