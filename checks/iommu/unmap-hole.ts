// An unmap of IOVAs nothing maps in the domain. iommu.c __iommu_unmap stops at the first hole
// ("unmapped: iova … size …" and returns less); dma-iommu.c (6.1, 6.12) __iommu_dma_unmap then WARNs
// (unmapped != size). In an imported trace it means the range was mapped in no domain the
// importer knows of, or a map line is missing; not when the importer says the mapping predates
// a trace that starts mid-run (how PRE_TRACE).
import { PRE_TRACE } from '../../domain-events/index.js';
import { pagesOf } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { coveredPages, domainName, hexb, liveRuns } from './live.js';

export const unmapHole: Check = defineCheck({
  id: 'iommu/unmap-hole',
  version: 2,
  severity: 'error',
  description: 'iommu_unmap of IOVAs that are not mapped in the domain',
  on: ['Unmapped'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'Unmapped' || e.size === 0n || e.how === PRE_TRACE) return;
      const runs = liveRuns(s, e.domain, e.iova, e.size, e);
      const want = pagesOf(e.size);
      const live = coveredPages(runs, e.iova, e.size);
      if (live >= want) return;
      // mapped in no domain at all: a fault whichever domain the unmap belongs to
      let elsewhere = false;
      s.pageTables.domains.forEach((id) => {
        if (id !== e.domain && liveRuns(s, id, e.iova, e.size, e).length) elsewhere = true;
        return !elsewhere;
      });
      const what = live === 0 ? 'nothing is mapped there' : `only ${live} of ${want} pages are mapped`;
      emit({
        message: `iommu_unmap: iova ${hexb(e.iova)} size ${hexb(e.size)} in ${domainName(s, e.domain)}: ${what}${elsewhere ? '' : ' (nor in any other domain)'} (unmap of a hole; dma-iommu WARNs unmapped != size)`,
        anyDomain: !elsewhere,
        related: runs.map((r) => r.seq),
        domain: e.domain,
        address: e.iova,
      });
    },
  }),
});
