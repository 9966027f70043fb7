// debug.c (6.1–7.2) check_unmap / check_sync: an sg unmap or sync must pass the nents given to
// dma_map_sg (not the count it returned).
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { containingEntry, hexb, prefix, unmapEntry } from './match.js';

export const sgCountMismatch: Check = defineCheck({
  id: 'dma-api/sg-count-mismatch',
  version: 1,
  severity: 'error',
  description: 'dma_unmap_sg / dma_sync_sg_* with an entry count different from the one passed to dma_map_sg',
  needs: ['dma-events'],
  on: ['DmaApiCalled'],
  calls: ['unmap_sg', 'sync_sg_for_cpu', 'sync_sg_for_device'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaApiCalled' || e.sg === null) return;
      const sync = e.call === 'sync_sg_for_cpu' || e.call === 'sync_sg_for_device';
      if (e.call !== 'unmap_sg' && !sync) return;
      const m = sync
        ? containingEntry(s, e.device, e.dmaAddr ?? e.sg.dmaAddrs[0] ?? -1n)
        : unmapEntry(s, e);
      if (m === undefined || m.nents === null || m.nents === e.sg.nentsTotal) return;
      const what = sync ? 'syncs DMA sg list with different entry count' : 'frees DMA sg list with different entry count';
      emit({
        message: `${prefix(e)} ${what} [device address=${hexb(m.dmaAddr)}] [map count=${m.nents}] [${sync ? 'sync' : 'unmap'} count=${e.sg.nentsTotal}]`,
        related: [m.seq],
        domain: e.domain,
        address: m.dmaAddr,
      });
    },
  }),
});
