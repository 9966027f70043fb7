// debug.c (6.1–7.2) dma_debug_device_change (BUS_NOTIFY_UNBOUND_DRIVER): the device still has live
// DMA-API mappings when it leaves its group, is detached from its domain, or at the end of the
// trace when its domain was freed.
import { type DeviceEntries } from '../dma-entries.js';
import { type Check, type Emit } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb } from './match.js';

function reportLeak(d: DeviceEntries | undefined, device: string, why: string, domain: number | null, emit: Emit): void {
  if (d === undefined || d.count === 0) return;
  const first = d.first();
  if (first === undefined) return;
  emit({
    message: `DMA-API: ${device}: device driver has pending DMA allocations while ${why} [count=${d.count}] One of leaked entries details: [device address=${hexb(first.dmaAddr)}] [size=${first.size} bytes] [mapped with DMA_${first.dir}] [mapped as ${first.type}]`,
    related: [first.seq],
    domain,
    address: first.dmaAddr,
  });
}

export const dmaLeak: Check = defineCheck({
  id: 'dma-api/leak',
  version: 1,
  severity: 'error',
  description: 'DMA-API mappings still live when the device is detached, removed, or its domain freed',
  needs: ['dma-events'],
  on: ['DeviceRemovedFromGroup', 'DeviceDetached', 'DeviceAttached', 'DomainFreed'],
  create: () => ({
    inspect(e, s, emit) {
      if (e.type === 'DeviceRemovedFromGroup') reportLeak(s.dma.device(e.device), e.device, 'released from device (removed from its group)', s.topology.devices[e.device]?.domain ?? null, emit);
      else if (e.type === 'DeviceDetached') reportLeak(s.dma.device(e.device), e.device, `detached from domain ${e.domain}`, e.domain, emit);
      else if (e.type === 'DeviceAttached' && e.errno === null) {
        // a new owner (vfio, another driver) takes the device: the old driver was unbound
        const cur = s.topology.devices[e.device]?.domain ?? null;
        if (cur !== null && cur !== e.domain) reportLeak(s.dma.device(e.device), e.device, `attached to domain ${e.domain}`, cur, emit);
      } else if (e.type === 'DomainFreed') {
        for (const dev of s.topology.domains[e.domain]?.devices ?? []) reportLeak(s.dma.device(dev), dev, `its domain ${e.domain} is freed`, e.domain, emit);
      }
    },
  }),
});
