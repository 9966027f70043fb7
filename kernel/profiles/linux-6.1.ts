import { type Profile } from '../profile.js';

/** Debian 12's kernel (6.1.192): the captures in shared/traces and the *.v6.1 oracles. */
export const linux61: Profile = {
  name: 'linux-6.1',
  description: 'Linux 6.1.192 (Debian 12): depot array of 32, PCI 32-bit-first on every allocation, ARM split-on-unmap, IOASID allocator',
  kernel: '6.1.192',
  iova: { depot: 'array32', depotTrimTiming: 'never', magSize: 127, magPop: 'scan', retry: true, max32: true, flushOnFail: 'cpu+depot' },
  dma: { pci32: 'every-time', roundupSite: 'allocator', startPfn: 'base-and-aperture', fq: 'strict', fqQueue: 'percpu', fqNeedsCap: false, iovaApi: 'fast', iovaLink: false },
  msi: { iommufdPlacement: 'msi-cookie', nested: 'untranslated', reservedSeries: 'merged-cookie', reservedIndex: 'rbtree', reservedPutKey: 'phys', prot: 'w-noexec-mmio' },
  pgtable: { splitOnUnmap: 'split', armTableUnmapTlb: 'walk-only' },
  core: { mapTrace: 'on-success', unmapTraceMisaligned: false, detachEvent: true, mapChecks: '6.1', blockingDomain: 'unmanaged' },
  pasid: { allocator: 'ioasid', svaRangeCheck: '6.1' },
  cookieModel: 'typed-pointer',
};
