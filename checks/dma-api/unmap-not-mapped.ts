// debug.c (6.1–7.2) check_unmap: an unmap / free that matches no live entry of the device.
import { DMA_MAPPING_ERROR, isUnmapCall } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, prefix, UNMAP_CALLS, unmapEntry } from './match.js';

export const unmapNotMapped: Check = defineCheck({
  id: 'dma-api/unmap-not-mapped',
  version: 1,
  severity: 'error',
  description: 'unmap or free of DMA memory the device never mapped (or the DMA_MAPPING_ERROR address)',
  needs: ['dma-events'],
  on: ['DmaApiCalled'],
  calls: UNMAP_CALLS,
  create: () => ({
    inspect(e, s, emit) {
      if (e.type !== 'DmaApiCalled' || !isUnmapCall(e.call) || unmapEntry(s, e) !== undefined) return;
      const addr = e.dmaAddr;
      if (addr === DMA_MAPPING_ERROR) {
        emit({ message: `${prefix(e)} tries to free an invalid DMA memory address (${e.call})`, domain: e.domain, address: addr });
        return;
      }
      const where = addr !== null ? `[device address=${hexb(addr)}] [size=${e.size ?? 0n} bytes]` : `[sg list of ${e.sg?.nentsTotal ?? 0} entries, first phys=${e.sg?.physAddrs[0] !== undefined ? hexb(e.sg.physAddrs[0]) : '?'}]`;
      emit({ message: `${prefix(e)} tries to free DMA memory it has not allocated ${where} (${e.call})`, domain: e.domain, address: addr });
    },
  }),
});
