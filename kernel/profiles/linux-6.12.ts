import { type Profile } from '../profile.js';
import { linux61 } from './linux-6.1.js';

/** Debian 12 backports kernel (6.12.117): the -612 captures and the *.v6.12 oracles. */
export const linux612: Profile = {
  ...linux61,
  name: 'linux-6.12',
  description: 'Linux 6.12.117: unbounded rcache depot trimmed by delayed work, sticky per-device 32-bit-first, dma:* trace events, global PASID IDA',
  kernel: '6.12.117',
  iova: { ...linux61.iova, depot: 'list+trim', depotTrimTiming: 'explicit-ticks' },
  dma: { ...linux61.dma, pci32: 'sticky-per-device', startPfn: 'aperture', fqNeedsCap: true },
  pgtable: { ...linux61.pgtable, armTableUnmapTlb: 'walk+add_page' },
  core: { ...linux61.core, detachEvent: false, mapChecks: '6.12', blockingDomain: 'blocked' },
  pasid: { allocator: 'global-ida', svaRangeCheck: 'max-pasids' },
};
