// debug.c (6.1–7.2) check_unmap: "frees DMA memory with wrong function" (single / sg / coherent / resource).
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, prefix, UNMAP_CALLS, unmapEntry, unmapType } from './match.js';

export const unmapTypeMismatch: Check = defineCheck({
  id: 'dma-api/unmap-type-mismatch',
  version: 1,
  severity: 'error',
  description: 'memory mapped with one DMA-API function family released with another',
  needs: ['dma-events'],
  on: ['DmaApiCalled'],
  calls: UNMAP_CALLS,
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaApiCalled') return;
      const want = unmapType(e.call);
      const m = want === undefined ? undefined : unmapEntry(s, e);
      if (m === undefined || m.type === want) return;
      emit({
        message: `${prefix(e)} frees DMA memory with wrong function [device address=${hexb(m.dmaAddr)}] [size=${m.size} bytes] [mapped as ${m.type}] [unmapped as ${want}]`,
        related: [m.seq],
        domain: e.domain,
        address: m.dmaAddr,
      });
    },
  }),
});
