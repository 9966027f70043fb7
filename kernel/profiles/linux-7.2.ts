import { type Profile } from '../profile.js';
import { linux612 } from './linux-6.12.js';

/** 7.2.13 (reference §9 "linux-7.2" bundle): as 6.12 plus the 6.14–7.x core, pgtable and iommufd changes. */
export const linux72: Profile = {
  ...linux612,
  name: 'linux-7.2',
  description: 'Linux 7.2.13: ARM partial block unmap refused, map traced on every attempt, iommufd-global MSI table, nested doorbells in the stage-2 parent, cookie_type',
  kernel: '7.2.13',
  // io-pgtable-arm 6.14+: "partial unmap of a block" WARN_ONCE, returns 0, block stays
  pgtable: { ...linux612.pgtable, splitOnUnmap: 'refuse' },
  // iommufd_sw_msi (v6.15+): fd-global doorbell table; nested hwpts map into their stage-2 parent
  msi: { ...linux612.msi, iommufdPlacement: 'iommufd-global', nested: 's2-parent' },
  core: { ...linux612.core, mapTrace: 'always-bytes-mapped', unmapTraceMisaligned: true, mapChecks: '7.2' },
  dmaTrace: '7.2',
  debugAttrsCheck: true,
  cookieModel: 'cookie-type',
};
