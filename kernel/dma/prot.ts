// dma_info_to_prot (dma-iommu.c): the IOMMU prot of a DMA mapping.
import { type DmaDir } from '../../domain-events/index.js';
import { IOMMU_CACHE, IOMMU_MMIO, IOMMU_PRIV, IOMMU_READ, IOMMU_WRITE } from '../pgtable/arm-lpae-pte.js';

export function dmaInfoToProt(dir: DmaDir, coherent: boolean, attrs: string, mmio = false): number {
  let prot = coherent ? IOMMU_CACHE : 0;
  if (attrs.split('|').includes('PRIVILEGED')) prot |= IOMMU_PRIV;
  if (mmio) prot |= IOMMU_MMIO;
  switch (dir) {
    case 'BIDIRECTIONAL':
      return prot | IOMMU_READ | IOMMU_WRITE;
    case 'TO_DEVICE':
      return prot | IOMMU_READ;
    case 'FROM_DEVICE':
      return prot | IOMMU_WRITE;
    default:
      return 0;
  }
}
