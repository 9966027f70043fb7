import { describe, expect, it } from 'vitest';
import { type Located } from '../records.js';
import { ArchEvidence } from './arch-evidence.js';

let line = 0;
const at = () => ({ line: ++line, ts: line * 1000, cpu: 0, task: 'insmod', pid: 90, irq: null });
const map = (iova: bigint, paddr: bigint, size = 0x1000n): Located => ({ kind: 'map', iova, paddr, size, at: at() });
const unmap = (iova: bigint, size = 0x1000n): Located => ({ kind: 'unmap', iova, size, unmapped: size, at: at() });
const dma = (device: string, call: 'map_page' | 'alloc' = 'map_page'): Located => ({ kind: 'dma', call, device, dir: 'TO_DEVICE', dmaAddr: 0xfffff000n, phys: 0x40000000n, size: 4096n, attrs: '', gfp: null, sg: null, at: at() });

function verdict(rs: Located[]): ReturnType<ArchEvidence['verdict']> {
  const a = new ArchEvidence();
  for (const r of rs) a.push(r);
  return a.verdict();
}

describe('the architecture from what only one of them does', () => {
  it('x86: the VT-d ISA-bridge identity map of [0, 16 MiB) (intel/iommu.c get_resv_regions, floppy workaround)', () => {
    expect(verdict([map(0n, 0n, 0x1000000n)]).arch).toBe('x86_64');
    // another identity map (an RMRR, an IORT RMR) is not x86's alone
    expect(verdict([map(0x7f000000n, 0x7f000000n, 0x100000n)]).arch).toBeNull();
  });

  it('arm64: one doorbell page at one IOVA in two domains at once, kept mapped (iommu_dma_get_msi_page)', () => {
    expect(verdict([map(0xfffff000n, 0x8090000n), map(0xfffff000n, 0x8090000n)]).arch).toBe('arm64');
    // a buffer page mapped twice at two IOVAs (virtio's header and status) is no doorbell
    expect(verdict([map(0xffff0000n, 0x44c05000n), map(0xffff1000n, 0x44c05000n)]).arch).toBeNull();
    // unmapped again: a DMA buffer two devices shared for a while, not a doorbell
    expect(verdict([map(0xfffff000n, 0x8090000n), map(0xfffff000n, 0x8090000n), unmap(0xfffff000n)]).arch).toBeNull();
    const a = new ArchEvidence();
    for (const r of [map(0xfffff000n, 0x8090000n), map(0xfffff000n, 0x8090000n)]) a.push(r);
    expect(a.doorbellPages()).toEqual([0x8090000n]);
  });

  it('arm64: a device-tree platform device name (of_device_make_bus_id: unit address, dot, node name)', () => {
    expect(verdict([dma('9050000.smmuv3', 'alloc')]).arch).toBe('arm64');
    expect(verdict([dma('0000:00:04.0')]).arch).toBeNull();
  });

  it('x86: an intel_iommu:* event', () => {
    expect(verdict([{ kind: 'raw', name: 'qi_submit', text: 'qi_submit: iotlb_inv dmar0: 0x10000f2 0xfffff000 0x0 0x0', at: at() }]).arch).toBe('x86_64');
  });

  it('clues of both: unknown, and both named', () => {
    const v = verdict([map(0n, 0n, 0x1000000n), dma('9050000.smmuv3', 'alloc')]);
    expect(v.arch).toBeNull();
    expect(v.conflict).toMatch(/x86: the VT-d ISA-bridge identity map .*; arm64: the device-tree platform device 9050000\.smmuv3/);
  });
});
