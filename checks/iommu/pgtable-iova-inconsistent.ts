// "Page tables inconsistent with the IOVA allocator" (the 2015 dma-iommu review): an IOVA range
// handed back to the allocator while its pages are still mapped (the next allocation would map
// over them), or pages mapped at an IOVA the allocator never handed out. Judged only where the
// journal records the allocator (IovaDomainInitialised of a DMA cookie): imported traces do not.
import { type IovaDomainState } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { coveredPages, domainName, hexb, liveRuns } from './live.js';

/** the rbtree node holding [lo, hi] (granule pfns), if one does */
function nodeHolding(d: IovaDomainState, lo: number, hi: number): number | undefined {
  const k = d.nodes.floorKey(lo);
  if (k === undefined) return undefined;
  return d.nodes.get(k)! >= hi ? k : undefined;
}

export const pgtableIovaInconsistent: Check = defineCheck({
  id: 'iommu/pgtable-iova-inconsistent',
  version: 1,
  severity: 'error',
  description: 'IOVA freed while its pages are still mapped, or pages mapped at an IOVA the allocator did not hand out',
  on: ['IovaFreed', 'Mapped'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type === 'IovaFreed') {
        const d = s.iova.domains.get(e.domain);
        if (d === undefined) return;
        const lo = BigInt(e.pfnLo) * BigInt(d.granule);
        const size = BigInt(e.pfnHi - e.pfnLo + 1) * BigInt(d.granule);
        const runs = liveRuns(s, e.domain, lo, size);
        if (runs.length === 0) return;
        emit({
          message: `free_iova: [${hexb(lo)}, ${hexb(lo + size)}) of ${domainName(s, e.domain)} went back to the allocator (${e.via}) with ${coveredPages(runs, lo, size)} page(s) still mapped: the next allocation maps over them`,
          related: runs.map((r) => r.seq),
          domain: e.domain,
          address: lo,
        });
        return;
      }
      if (e.type !== 'Mapped' || s.cookies.byDomain[e.domain]?.kind !== 'dma') return;
      const d = s.iova.domains.get(e.domain);
      if (d === undefined) return;
      const g = BigInt(d.granule);
      const lo = Number(e.iova / g);
      const hi = Number((e.iova + e.size - 1n) / g);
      // a reserved node is fine here: direct regions are reserved and identity-mapped
      if (nodeHolding(d, lo, hi) !== undefined) return;
      emit({
        message: `iommu_map: iova ${hexb(e.iova)} size ${hexb(e.size)} in ${domainName(s, e.domain)} is not allocated in the domain's IOVA allocator: page tables and allocator disagree`,
        domain: e.domain,
        address: e.iova,
      });
    },
  }),
});
