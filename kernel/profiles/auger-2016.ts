import { type Profile } from '../profile.js';
import { linux61 } from './linux-6.1.js';

// Eric Auger's dma-reserved-iommu series, "KVM PCIe/MSI passthrough on ARM/ARM64: kernel part 1/3:
// iommu changes" (seeds 000, 001; reference §3). Never merged. Only the MSI rules of the series
// differ from the 6.1 model: the rest keeps linux-6.1's switches so that a diff against linux-6.1
// shows the series alone (a v4.6 allocator would add differences of its own). Which stored
// variant of dma-reserved-iommu.c is which revision is unverified (reference §3): v6 is the one the
// v6 cover letter describes (seed 001), v7 the newest stored one.

/** v6 (April 2016): spinlock, size argument, refcount from 1, put by the IOVA the get returned (variant B). */
export const auger2016v6: Profile = {
  ...linux61,
  name: 'auger-2016-v6',
  description: '2016 dma-reserved-iommu v6 (never merged): VFIO registers a reserved IOVA window, doorbells bound top-down in it, refcounted in an rbtree by PA, put by IOVA, iommu_unmap_reserved at release',
  msi: { ...linux61.msi, reservedSeries: 'reserved-iova-domain', reservedIndex: 'rbtree', reservedPutKey: 'iova' },
};

/** v7 (April 2016): the window carries its prot (gets checked against it), put by physical address (variant C). */
export const auger2016v7: Profile = {
  ...auger2016v6,
  name: 'auger-2016-v7',
  description: '2016 dma-reserved-iommu v7 (never merged): as v6, with a window prot checked on every get and put by physical address',
  msi: { ...auger2016v6.msi, reservedPutKey: 'phys' },
};
