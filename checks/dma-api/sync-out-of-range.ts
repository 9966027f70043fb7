// debug.c (6.1–7.2) check_sync: "syncs DMA memory outside allocated range".
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, prefix, SYNC_CALLS } from './match.js';
import { syncTarget } from './sync.js';

export const syncOutOfRange: Check = defineCheck({
  id: 'dma-api/sync-out-of-range',
  version: 1,
  severity: 'error',
  description: 'dma_sync_* running past the end of the mapping that holds its start',
  needs: ['dma-events'],
  on: ['DmaApiCalled'],
  calls: SYNC_CALLS,
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaApiCalled') return;
      const t = syncTarget(s, e);
      const m = t?.entry;
      if (!t || m === undefined || t.addr + t.size <= m.dmaAddr + m.size) return;
      emit({
        message: `${prefix(e)} syncs DMA memory outside allocated range [device address=${hexb(m.dmaAddr)}] [allocation size=${m.size} bytes] [sync offset+size=${t.addr - m.dmaAddr + t.size}]`,
        related: [m.seq],
        domain: e.domain,
        address: t.addr,
      });
    },
  }),
});
