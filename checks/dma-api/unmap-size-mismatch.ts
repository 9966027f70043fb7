// debug.c (6.1–7.2) check_unmap: "frees DMA memory with different size".
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, prefix, UNMAP_CALLS, unmapEntry } from './match.js';

export const unmapSizeMismatch: Check = defineCheck({
  id: 'dma-api/unmap-size-mismatch',
  version: 1,
  severity: 'error',
  description: 'unmap or free with a size different from the mapping it releases',
  needs: ['dma-events'],
  on: ['DmaApiCalled'],
  calls: UNMAP_CALLS,
  create: () => ({
    inspect(e, s, emit) {
      // sg unmaps are traced without sizes; dma-debug compares each segment, which the trace does not give
      if (e.type !== 'DmaApiCalled' || e.size === null) return;
      const m = unmapEntry(s, e);
      if (m === undefined || m.size === e.size) return;
      emit({
        message: `${prefix(e)} frees DMA memory with different size [device address=${hexb(m.dmaAddr)}] [map size=${m.size} bytes] [unmap size=${e.size} bytes]`,
        related: [m.seq],
        domain: e.domain,
        address: m.dmaAddr,
      });
    },
  }),
});
