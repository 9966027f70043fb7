import { type Profile } from '../profile.js';
import { linux61 } from './linux-6.1.js';

/**
 * Robin Murphy, "[PATCH v5 1/3] iommu: Implement common IOMMU ops for DMA mapping" (2015, seed 003)
 * with the MSI cookie / MSI page list that was merged later (v4.10/v4.11, reference §2.7): one
 * iova_domain per cookie (iommu_get_dma_cookie -EEXIST on a second), __alloc_iova = alloc_iova
 * size-aligned under the DMA limit (no rcaches, no PCI 32-bit-first, no retry pass or 32-bit
 * fast-fail), and unmap by find_iova on the DMA address. No flush queue yet: strict only.
 */
export const murphy2015: Profile = {
  ...linux61,
  name: 'murphy-2015',
  description: '2015 dma-iommu common ops (+ merged MSI page list): plain alloc_iova size-aligned under the DMA limit, unmap by find_iova, no rcache, no PCI 32-bit-first, strict',
  kernel: '4.4',
  iova: { ...linux61.iova, retry: false, max32: false, magSize: 128, magPop: 'top-only', flushOnFail: 'cpu-only' },
  dma: { ...linux61.dma, pci32: 'off', roundupSite: 'caller', fq: 'strict', iovaApi: 'alloc_iova' },
};
