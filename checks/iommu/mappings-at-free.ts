// A domain freed while pages are still mapped in it: the page tables go with the domain, so no
// memory leaks, but every map without its unmap is a leaked IOVA and a caller that lost track
// (dma-iommu owners unmap everything before iommu_domain_free; vfio type1 unmaps on detach).
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { domainName, hexb, pageAddr } from './live.js';

export const mappingsAtFree: Check = defineCheck({
  id: 'iommu/mappings-at-free',
  version: 1,
  severity: 'warning',
  description: 'iommu_domain_free of a domain that still has mappings',
  on: ['DomainFreed'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DomainFreed') return;
      const pt = s.pageTables.domains.get(e.domain);
      if (pt === undefined || pt.mappedPages === 0 || s.topology.domains[e.domain]?.freedSeq != null) return;
      const k = pt.runs.minKey();
      const first = k === undefined ? undefined : pt.runs.get(k);
      emit({
        message: `iommu_domain_free: ${domainName(s, e.domain)} still maps ${pt.mappedPages} page(s)${first ? `, first at ${hexb(pageAddr(first.pfn))} (mapped by #${first.seq})` : ''}`,
        related: first ? [first.seq] : [],
        domain: e.domain,
        address: first ? pageAddr(first.pfn) : null,
      });
    },
  }),
});
