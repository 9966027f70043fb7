import { type Profile } from '../profile.js';
import { linux612 } from './linux-6.12.js';

/**
 * Debian trixie-backports kernel 7.3.4 (linux-source-7.3 7.3.4-1~bpo13+1): the *.v7.3 oracles.
 * Everything 6.12.117 does and 7.3.4 still does comes from linux-6.12; each switch below was
 * read in 7.3.4's code (docs/profiles.md lists what was compared and how to get the source).
 * iova.c 7.3.4 allocates the per-CPU magazines lazily with the same outcomes, and
 * iommu_dma_alloc_iova keeps the sticky 32-bit-first rule: both stay 6.12's.
 */
export const linux73: Profile = {
  ...linux612,
  name: 'linux-7.3',
  description:
    'Linux 7.3.4 (Debian trixie-backports): as 6.12, plus the dma_iova_try_alloc/link/unlink/free path, ARM partial block unmap refused, map traced and unrolled on every failed attempt, iommufd-global MSI table (nested doorbells in the stage-2 parent), cookie_type',
  kernel: '7.3.4',
  // dma-iommu.c (7.3.4) dma_iova_try_alloc / dma_iova_link / dma_iova_unlink / dma_iova_free
  dma: { ...linux612.dma, iovaLink: true },
  // io-pgtable-arm.c (7.3.4) __arm_lpae_unmap: WARN_ONCE "Unmap of a partial large IOPTE is not allowed", returns 0
  pgtable: { ...linux612.pgtable, splitOnUnmap: 'refuse' },
  // iommufd/driver.c (7.3.4) iommufd_sw_msi: fd-global table; find_hwpt_paging gives a nested hwpt's stage-2 parent
  msi: { ...linux612.msi, iommufdPlacement: 'iommufd-global', nested: 's2-parent' },
  // iommu.c (7.3.4) iommu_map_nosync / __iommu_unmap
  core: { ...linux612.core, mapTrace: 'always-bytes-mapped', unmapTraceMisaligned: true, mapChecks: '7.3' },
  // dma-iommu.c (7.3.4) iommu_get_msi_cookie / iommu_get_dma_cookie: -EEXIST unless cookie_type == IOMMU_COOKIE_NONE
  cookieModel: 'cookie-type',
};
