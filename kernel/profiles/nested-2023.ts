import { type Profile } from '../profile.js';
import { linux612 } from './linux-6.12.js';

/**
 * Nicolin Chen, "[PATCH v1 01/14] iommu: Add iommu_get_unmanaged_domain helper" (March 2023,
 * seed 002; reference §2.8), as Jason Gunthorpe rewrote iommu_dma_prepare_msi in the thread: for
 * a device attached to a NESTED domain, get_unmanaged_msi_domain() returns the stage-2 UNMANAGED
 * parent, and the doorbell is mapped there through the parent's MSI cookie. Not merged in that
 * form; linux-6.12 leaves such a doorbell untranslated.
 */
export const nested2023: Profile = {
  ...linux612,
  name: 'nested-2023',
  description: '2023 get_unmanaged_domain proposal (not merged): a nested domain\'s doorbell is mapped in its stage-2 parent\'s MSI cookie, on top of linux-6.12',
  msi: { ...linux612.msi, nested: 'get-unmanaged-domain' },
};
