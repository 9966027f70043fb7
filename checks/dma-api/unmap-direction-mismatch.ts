// debug.c (6.1–7.2) check_unmap: "frees DMA memory with different direction".
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, prefix, UNMAP_CALLS, unmapEntry } from './match.js';

export const unmapDirectionMismatch: Check = defineCheck({
  id: 'dma-api/unmap-direction-mismatch',
  version: 1,
  severity: 'error',
  description: 'unmap with a DMA direction different from the mapping',
  needs: ['dma-events'],
  on: ['DmaApiCalled'],
  calls: UNMAP_CALLS,
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaApiCalled') return;
      const m = unmapEntry(s, e);
      if (m === undefined || m.dir === e.dir) return;
      emit({
        message: `${prefix(e)} frees DMA memory with different direction [device address=${hexb(m.dmaAddr)}] [size=${m.size} bytes] [mapped with DMA_${m.dir}] [unmapped with DMA_${e.dir}]`,
        related: [m.seq],
        domain: e.domain,
        address: m.dmaAddr,
      });
    },
  }),
});
