// debug.c (6.1–7.2) check_sync: "tries to sync DMA memory it has not allocated".
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, prefix, SYNC_CALLS } from './match.js';
import { syncTarget } from './sync.js';

export const syncNotMapped: Check = defineCheck({
  id: 'dma-api/sync-not-mapped',
  version: 1,
  severity: 'error',
  description: 'dma_sync_* of memory that no live mapping of the device contains',
  needs: ['dma-events'],
  on: ['DmaApiCalled'],
  calls: SYNC_CALLS,
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaApiCalled') return;
      const t = syncTarget(s, e);
      if (t === null || t.entry !== undefined) return;
      emit({ message: `${prefix(e)} tries to sync DMA memory it has not allocated [device address=${hexb(t.addr)}] [size=${t.size} bytes] (${e.call})`, domain: e.domain, address: t.addr });
    },
  }),
});
