// A map outside the domain's aperture (iommu_domain_geometry; force_aperture means the
// hardware cannot translate beyond it). dma-iommu never allocates there (iommu_dma_init_domain
// limits the allocator to the aperture), so only a wrong caller gets there.
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { domainName, hexb } from './live.js';

export const mapOutsideAperture: Check = defineCheck({
  id: 'iommu/map-outside-aperture',
  version: 1,
  severity: 'error',
  description: 'iommu_map outside the domain aperture',
  on: ['Mapped'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'Mapped' || e.size === 0n) return;
      const d = s.topology.domains[e.domain];
      if (d === undefined || !d.forceAperture) return;
      const last = e.iova + e.size - 1n;
      if (e.iova >= d.apertureStart && last <= d.apertureEnd) return;
      emit({
        message: `iommu_map: [${hexb(e.iova)}, ${hexb(last)}] in ${domainName(s, e.domain)} is outside the aperture [${hexb(d.apertureStart)}, ${hexb(d.apertureEnd)}] (force_aperture)`,
        related: [d.allocatedSeq],
        domain: e.domain,
        address: e.iova,
      });
    },
  }),
});
