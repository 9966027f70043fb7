// A map over a range still mapped in the same domain: io-pgtable-arm.c (6.1, 6.12) __arm_lpae_map returns
// -EEXIST (WARN_ON(!selftest_running)); VT-d __domain_mapping prints "DMA PTE for vPFN … already
// set" and WARNs. Imported traces only show the maps that succeeded, so an overlap there means
// a missing unmap or a wrong attribution.
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { coveredPages, domainName, hexb, liveRuns, pageAddr } from './live.js';

export const mapOverLive: Check = defineCheck({
  id: 'iommu/map-over-live',
  version: 1,
  severity: 'error',
  description: 'iommu_map over a range that is still mapped in the same domain (-EEXIST)',
  on: ['Mapped', 'MapFailed'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type === 'MapFailed' && e.errno === 'EEXIST') {
        const runs = liveRuns(s, e.domain, e.iova, e.size, e);
        emit({ message: `iommu_map: iova ${hexb(e.iova)} size ${hexb(e.size)} in ${domainName(s, e.domain)} failed with -EEXIST: the range is already mapped`, related: runs.map((r) => r.seq), domain: e.domain, address: e.iova });
        return;
      }
      if (e.type !== 'Mapped') return;
      const runs = liveRuns(s, e.domain, e.iova, e.size, e);
      if (runs.length === 0) return;
      const n = coveredPages(runs, e.iova, e.size);
      emit({
        message: `iommu_map: iova ${hexb(e.iova)} size ${hexb(e.size)} in ${domainName(s, e.domain)} overlaps ${n} live page(s) from ${hexb(pageAddr(runs[0].pfn))} (mapped by #${runs[0].seq}): io-pgtable-arm returns -EEXIST, VT-d warns "DMA PTE already set"`,
        related: [...new Set(runs.map((r) => r.seq))].sort((a, b) => a - b),
        domain: e.domain,
        // the first page mapped twice: its history shows who mapped it first
        address: e.iova > pageAddr(runs[0].pfn) ? e.iova : pageAddr(runs[0].pfn),
      });
    },
  }),
});
