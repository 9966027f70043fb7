import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { evolveBatch, initialState, stateHash, translate } from '../../reducers/index.js';
import { applySwitches } from '../profile.js';
import { linux61 } from '../profiles/linux-6.1.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { KernelModel } from './machine.js';
import { ARM_SMMU_V3, INTEL_VTD } from './platform.js';

const NVME = '0000:00:05.0';
const ITS_DOORBELL = 0x8090040n;

function mapped(events: readonly IommuEvent[]): Extract<IommuEvent, { type: 'Mapped' }>[] {
  return events.filter((e): e is Extract<IommuEvent, { type: 'Mapped' }> => e.type === 'Mapped');
}

describe('dma-iommu through the kernel model', () => {
  it('arm64: the first doorbell of a DMA domain takes the first DMA IOVA, 0xfffff000 (shared/traces README)', () => {
    const m = new KernelModel(linux61, ARM_SMMU_V3);
    m.run({ op: 'probe', device: NVME });
    const r = m.run({ op: 'msi_enable', device: NVME, doorbell: ITS_DOORBELL });
    expect(mapped(r.events).map((e) => [e.iova, e.paddr, e.size, e.prot])).toEqual([[0xfffff000n, 0x8090000n, 0x1000n, 2 | 8 | 16]]);
    expect(r.value).toEqual({ iova: 0xfffff040n, errno: null });
    // every further vector reuses it: no new mapping
    expect(mapped(m.run({ op: 'msi_enable', device: NVME, doorbell: ITS_DOORBELL }).events)).toEqual([]);
  });

  it('arm64 forcedac: the doorbell lands just under 2^48', () => {
    const m = new KernelModel(applySwitches(linux61, { forcedac: true }), ARM_SMMU_V3);
    m.run({ op: 'probe', device: NVME });
    expect(mapped(m.run({ op: 'msi_enable', device: NVME, doorbell: ITS_DOORBELL }).events)[0].iova).toBe(0xfffffffff000n);
  });

  it('VFIO with an MSI cookie: the doorbell goes to the base of the SW_MSI window, bump by bump', () => {
    const m = new KernelModel(linux612, ARM_SMMU_V3);
    m.run({ op: 'probe', device: '0000:00:08.0' });
    const d = m.run({ op: 'alloc_domain', type: 'UNMANAGED', owner: 'vfio' }).value as number;
    m.run({ op: 'attach', device: '0000:00:08.0', domain: d });
    expect(m.run({ op: 'get_msi_cookie', domain: d }).value).toBeNull();
    expect(m.run({ op: 'get_msi_cookie', domain: d }).value).toBe('EEXIST');
    const r = m.run({ op: 'msi_enable', device: '0000:00:08.0', doorbell: ITS_DOORBELL });
    expect(mapped(r.events)[0]).toMatchObject({ domain: d, iova: 0x8000000n, paddr: 0x8090000n });
    const second = m.run({ op: 'msi_enable', device: '0000:00:08.0', doorbell: 0x9090000n });
    expect(mapped(second.events)[0].iova).toBe(0x8001000n);
  });

  it('a DMA domain cannot take an MSI cookie (-EINVAL before -EEXIST)', () => {
    const m = new KernelModel(linux61, ARM_SMMU_V3);
    const d = m.run({ op: 'probe', device: NVME }).value as number;
    expect(m.run({ op: 'get_msi_cookie', domain: d }).value).toBe('EINVAL');
  });

  it('strict frees the IOVA at unmap (LIFO reuse from the rcache); lazy keeps it until the 10 ms flush timer', () => {
    const reuse = (lazy: boolean) => {
      const m = new KernelModel(applySwitches(linux61, lazy ? { lazy: true } : { strict: true }), INTEL_VTD);
      m.run({ op: 'probe', device: NVME }, { ts: 0 });
      const a = m.run({ op: 'dma_map_page', device: NVME, phys: 0x40000000n, size: 4096n, dir: 'TO_DEVICE' }, { ts: 1000 }).value as bigint;
      m.run({ op: 'dma_unmap_page', device: NVME, dmaAddr: a, size: 4096n, dir: 'TO_DEVICE' }, { ts: 2000 });
      const b = m.run({ op: 'dma_map_page', device: NVME, phys: 0x40001000n, size: 4096n, dir: 'TO_DEVICE' }, { ts: 3000 }).value as bigint;
      const c = m.run({ op: 'dma_map_page', device: NVME, phys: 0x40002000n, size: 4096n, dir: 'TO_DEVICE' }, { ts: 20_000_000 }).value as bigint;
      return [a, b, c];
    };
    const [a, b] = reuse(false);
    expect(b).toBe(a);
    const [la, lb, lc] = reuse(true);
    expect(lb).not.toBe(la);
    expect(lc).toBe(la);
  });

  it('x86: PCI windows and the MSI window are carved out of every DMA domain; 6.12 gives up 32-bit IOVAs after one failure', () => {
    const windows = [{ start: 0x80000000n, end: 0xfebfffffn }];
    const m = new KernelModel(linux612, INTEL_VTD);
    m.run({ op: 'probe', device: NVME, pciWindows: windows });
    const d = m.state.iova.domains.get(1)!;
    expect(d.reserved.get(0xfee00)).toBe('msi-window');
    expect(d.reserved.get(0x80000)).toBe('pci-window');
    // 3 GiB cannot fit below 4 GiB once the windows are out: the device goes 64-bit for good
    const r = m.run({ op: 'dma_map_page', device: NVME, phys: 0x100000000n, size: 0xc0000000n, dir: 'TO_DEVICE' });
    expect(r.events.some((e) => e.type === 'Pci32WorkaroundCleared')).toBe(true);
    expect(r.value as bigint).toBeGreaterThan(0xffffffffn);
  });

  it('the events replay to the same state the model holds', () => {
    const m = new KernelModel(linux61, ARM_SMMU_V3);
    const all: IommuEvent[] = [];
    const run = (...a: Parameters<KernelModel['run']>) => all.push(...m.run(...a).events);
    run({ op: 'probe', device: NVME });
    run({ op: 'msi_enable', device: NVME, doorbell: ITS_DOORBELL });
    run({ op: 'dma_map_sg', device: NVME, sg: [{ phys: 0x41000000n, length: 0x1000n }, { phys: 0x41001000n, length: 0x1000n }], dir: 'TO_DEVICE' });
    run({ op: 'dma_alloc', device: NVME, size: 6726n, pages: [0x43000000n, 0x44000000n] });
    expect(stateHash(evolveBatch(initialState(), all))).toBe(stateHash(m.state));
    const pt = m.state.pageTables.domains.get(1)!;
    expect(translate(pt.runs, 0xffffd000n)).not.toBeNull();
  });
});
