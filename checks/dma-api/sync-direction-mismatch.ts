// debug.c (6.1–7.2) check_sync: direction rules. A sync must use the mapping's direction unless that is
// BIDIRECTIONAL; syncing for the CPU memory the device only reads, or for the device memory it
// only writes, is reported too.
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, prefix, SYNC_CALLS } from './match.js';
import { syncTarget } from './sync.js';

export const syncDirectionMismatch: Check = defineCheck({
  id: 'dma-api/sync-direction-mismatch',
  version: 1,
  severity: 'error',
  description: 'dma_sync_* with a direction the mapping does not allow',
  needs: ['dma-events'],
  on: ['DmaApiCalled'],
  calls: SYNC_CALLS,
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaApiCalled') return;
      const m = syncTarget(s, e)?.entry;
      if (m === undefined || m.dir === 'BIDIRECTIONAL') return;
      const at = `[device address=${hexb(m.dmaAddr)}] [size=${m.size} bytes]`;
      const forCpu = e.call.endsWith('_for_cpu');
      if (m.dir === e.dir) return;
      let what = `syncs DMA memory with different direction ${at} [mapped with DMA_${m.dir}] [synced with DMA_${e.dir}]`;
      // the two follow-up complaints debug.c prints for the same call
      if (forCpu && m.dir !== 'FROM_DEVICE' && e.dir !== 'TO_DEVICE') what += '; syncs device read-only DMA memory for cpu';
      if (!forCpu && m.dir !== 'TO_DEVICE' && e.dir !== 'FROM_DEVICE') what += '; syncs device write-only DMA memory to device';
      emit({ message: `${prefix(e)} ${what} (${e.call})`, related: [m.seq], domain: e.domain, address: m.dmaAddr });
    },
  }),
});
