// A domain freed while pages are still mapped in it: the page tables go with the domain, so no
// memory leaks, but every map without its unmap is a leaked IOVA and a caller that lost track
// (dma-iommu owners unmap everything before iommu_domain_free; vfio type1 unmaps on detach).
// MSI doorbell pages are not counted: dma-iommu.c (6.1, 6.12) iommu_put_dma_cookie frees the
// cookie's MSI page records without unmapping them, since the domain is going away (a VFIO
// domain is freed with its doorbell mapped, arm64-virt-smmuv3-vfio-612).
import { pfnOf } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { type ShadowState } from '../shadow.js';
import { domainName, hexb, pageAddr, runsOver } from './live.js';

type Put = readonly [number, readonly number[]];

function doorbellPfns(s: ShadowState, domain: number): number[] {
  return (s.cookies.byDomain[domain]?.msiPages ?? []).map((p) => pfnOf(p.iova));
}

export const mappingsAtFree: Check = defineCheck({
  id: 'iommu/mappings-at-free',
  version: 2,
  severity: 'warning',
  description: 'iommu_domain_free of a domain that still has mappings (MSI doorbell pages aside)',
  on: ['CookiePut', 'DomainFreed'],
  create: () => {
    /** iommu_domain_free puts the cookie first: its doorbell pages, kept for the DomainFreed that follows */
    let put: Put | null = null;
    return {
      inspect(e, s, emit) {
        if (e.type === 'CookiePut') {
          put = [e.domain, doorbellPfns(s, e.domain)];
          return;
        }
        if (e.type !== 'DomainFreed') return;
        const doorbells = new Set([...doorbellPfns(s, e.domain), ...(put?.[0] === e.domain ? put[1] : [])]);
        put = null;
        const pt = s.pageTables.domains.get(e.domain);
        if (pt === undefined || pt.mappedPages === 0 || s.topology.domains[e.domain]?.freedSeq != null) return;
        let bells = 0;
        for (const pfn of doorbells) if (runsOver(s, e.domain, pfn, pfn + 1, e).length) bells++;
        const left = pt.mappedPages - bells;
        if (left <= 0) return;
        let first: { pfn: number; seq: number } | undefined;
        pt.runs.forEach((_, r) => {
          if (doorbells.has(r.pfn) && r.count === 1) return true;
          first = r;
          return false;
        });
        emit({
          message: `iommu_domain_free: ${domainName(s, e.domain)} still maps ${left} page(s)${first ? `, first at ${hexb(pageAddr(first.pfn))} (mapped by #${first.seq})` : ''}`,
          related: first ? [first.seq] : [],
          domain: e.domain,
          address: first ? pageAddr(first.pfn) : null,
        });
      },
      save: () => put,
      restore(_s, saved) {
        put = (saved as Put | undefined) ?? null;
      },
    };
  },
});
