import { type Profile } from '../profile.js';
import { linux612 } from './linux-6.12.js';

/**
 * Jean-Philippe Brucker / Jacob Pan, "[PATCH 1/8] iommu: Add I/O ASID allocator" (June 2019,
 * seed 004; reference §6.1): an XArray of IOASIDs, lowest free in [min, max], sets, -ENOENT /
 * -EACCES from find, data published under RCU — on top of linux-6.12 to compare with the global
 * PASID IDA that replaced it (6.4+).
 */
export const ioasid2019: Profile = {
  ...linux612,
  name: 'ioasid-2019',
  description: '2019 IOASID allocator (XArray, lowest free in [min,max], sets) instead of the global PASID IDA, on top of linux-6.12',
  pasid: { allocator: 'ioasid', svaRangeCheck: '6.1' },
};
