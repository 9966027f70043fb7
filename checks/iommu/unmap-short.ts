// The driver unmapped less than asked: dma-iommu.c (6.1, 6.12) __iommu_dma_unmap WARN_ON(unmapped != size);
// the rest of the range stays mapped while its IOVA goes back to the allocator.
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { domainName, hexb } from './live.js';

export const unmapShort: Check = defineCheck({
  id: 'iommu/unmap-short',
  version: 1,
  severity: 'error',
  description: 'iommu_unmap returned fewer bytes than requested (unmapped_size < size)',
  on: ['Unmapped'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'Unmapped' || e.unmappedSize >= e.size) return;
      emit({
        // sizes in hex beside the addresses, as iommu.c prints them ("size 0x%zx")
        message: `iommu_unmap: iova ${hexb(e.iova)} size ${hexb(e.size)} in ${domainName(s, e.domain)} unmapped only ${hexb(e.unmappedSize)}: dma-iommu WARNs (unmapped != size) and ${hexb(e.size - e.unmappedSize)} bytes stay mapped behind a freed IOVA`,
        domain: e.domain,
        // the first byte left mapped: its history shows the stale translation
        address: e.iova + e.unmappedSize,
      });
    },
  }),
});
