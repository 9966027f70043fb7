// A dma_iova_link whose pages fall outside the range dma_iova_try_alloc reserved: dma-iommu.c
// (7.3.4) dma_iova_link maps at state->addr + offset - pad without looking at the state's size,
// so an offset or size past the request maps pages over IOVA the allocator may hand to another
// caller (or link into a state that was already freed).
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { dmaIovaKey } from '../../reducers/index.js';
import { domainName, hexb } from '../iommu/live.js';

export const dmaIovaLinkOutsideRange: Check = defineCheck({
  id: 'dma-iova/link-outside-range',
  version: 1,
  severity: 'error',
  description: 'dma_iova_link maps pages outside the range dma_iova_try_alloc reserved (or into a freed state)',
  on: ['DmaIovaLinked'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaIovaLinked' || e.errno !== null) return;
      const key = dmaIovaKey(e.domain, e.state);
      const r = s.dmaIova.live[key];
      const where = `${e.device} state ${hexb(e.state)} in ${domainName(s, e.domain)}`;
      if (!r) {
        const freed = s.dmaIova.freed[key];
        emit({
          message: `dma_iova_link: ${where} links iova ${hexb(e.iova)} size ${hexb(e.length)} into a range that is not reserved${freed === undefined ? '' : ` (dma_iova_free by #${freed})`}`,
          related: freed === undefined ? [] : [freed],
          domain: e.domain,
          address: e.iova,
        });
        return;
      }
      const end = r.iova + r.length;
      if (e.iova >= r.iova && e.iova + e.length <= end) return;
      const first = e.iova < r.iova ? e.iova : end;
      emit({
        message: `dma_iova_link: ${where} maps iova ${hexb(e.iova)}-${hexb(e.iova + e.length - 1n)} (offset ${hexb(e.offset)}, size ${hexb(e.size)}) outside its range ${hexb(r.iova)}-${hexb(end - 1n)} (dma_iova_try_alloc of ${hexb(r.size)} bytes, #${r.seq})`,
        related: [r.seq],
        domain: e.domain,
        // the first page outside the range: its history shows who else owns that IOVA
        address: first,
      });
    },
  }),
});
