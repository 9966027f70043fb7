// The 2016 dma-reserved-iommu series (Eric Auger, "KVM PCIe/MSI passthrough on ARM/ARM64", never
// merged; reference §3): a private IOVA window per iommu_domain for MSI doorbell bindings.
import { defineEvent, type EventOfDef } from '../define.js';
import { errnoField } from '../errno.js';
import { int, u64 } from '../schema.js';

export const ReservedIovaDomainAllocated = defineEvent(
  'ReservedIovaDomainAllocated',
  1,
  {
    domain: int,
    /** window base and size as user space (VFIO) registered them */
    iova: u64,
    size: u64,
    /** granule = 1 << order */
    order: int,
    /** prot the window allows (variant C checks gets against it); IOMMU_READ=1 WRITE=2 … */
    prot: int,
    errno: errnoField,
  },
  'iommu_alloc_reserved_iova_domain: the domain got its reserved IOVA window (-EINVAL unaligned/empty, -EEXIST)',
);

export const ReservedIovaDomainFreed = defineEvent(
  'ReservedIovaDomainFreed',
  1,
  { domain: int },
  'iommu_free_reserved_iova_domain: the window allocator and every IOVA in it are gone',
);

export type ReservedIovaDomainAllocated = EventOfDef<typeof ReservedIovaDomainAllocated>;
export type ReservedIovaDomainFreed = EventOfDef<typeof ReservedIovaDomainFreed>;
