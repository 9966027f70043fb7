// A dma_iova_free of a state that is not live: dma-iommu.c (7.3.4) dma_iova_free trusts the
// state and calls free_iova_fast again, so a second free puts the same range into a CPU's rcache
// twice (two later allocations get the same IOVA) or frees whatever node now sits there.
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { dmaIovaKey } from '../../reducers/index.js';
import { domainName, hexb } from '../iommu/live.js';

export const dmaIovaDoubleFree: Check = defineCheck({
  id: 'dma-iova/double-free',
  version: 1,
  severity: 'error',
  description: 'dma_iova_free of a state already freed (or never allocated)',
  on: ['DmaIovaFreed'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaIovaFreed') return;
      const key = dmaIovaKey(e.domain, e.state);
      if (s.dmaIova.live[key]) return;
      const first = s.dmaIova.freed[key];
      const what = first === undefined ? 'was never allocated' : `was already freed by #${first}`;
      emit({
        message: `dma_iova_free: ${e.device} state ${hexb(e.state)} in ${domainName(s, e.domain)} ${what}: free_iova_fast(${hexb(e.iova)}, ${hexb(e.length)} bytes) runs again`,
        related: first === undefined ? [] : [first],
        domain: e.domain,
        address: e.iova,
      });
    },
  }),
});
