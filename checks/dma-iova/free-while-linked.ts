// A dma_iova_free while pages are still linked into the range: dma-iommu.c (7.3.4) dma_iova_free
// gives the range to free_iova_fast at once and unmaps nothing, so the IOVA can be handed out
// again while the old pages are still mapped there (dma_iova_destroy unlinks first; a driver
// calling dma_iova_free directly must have unlinked everything).
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { dmaIovaKey } from '../../reducers/index.js';
import { domainName, hexb } from '../iommu/live.js';

export const dmaIovaFreeWhileLinked: Check = defineCheck({
  id: 'dma-iova/free-while-linked',
  version: 1,
  severity: 'error',
  description: 'dma_iova_free of a range that still has pages linked (the IOVA goes back to the allocator still mapped)',
  on: ['DmaIovaFreed'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaIovaFreed') return;
      const r = s.dmaIova.live[dmaIovaKey(e.domain, e.state)];
      if (!r || r.links.length === 0) return;
      const bytes = r.links.reduce((n, l) => n + l.length, 0n);
      emit({
        message: `dma_iova_free: ${e.device} state ${hexb(e.state)} in ${domainName(s, e.domain)} still has ${hexb(bytes)} bytes linked, first at ${hexb(r.links[0].iova)}: free_iova_fast returns ${hexb(r.iova)}-${hexb(r.iova + r.length - 1n)} to the allocator while it is mapped`,
        related: [r.seq, ...r.links.map((l) => l.seq)],
        domain: e.domain,
        address: r.links[0].iova,
      });
    },
  }),
});
