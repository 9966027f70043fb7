import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linux61 } from '../../kernel/profiles/linux-6.1.js';
import { AllocatorMirror, isPciName, type MirrorDevice } from './mirror.js';

// the iova oracle's hand-written dma scenarios (real iova.c 6.1.192 under iommu_dma_alloc_iova)
const VECTORS = join(import.meta.dirname, '../../fixtures/oracles/iova/edge_dma.v6.1.jsonl');

interface Op {
  op: string;
  scenario?: string;
  dev?: number;
  pci?: boolean;
  cpu?: number;
  iova_pages?: number;
  dma_mask_bits?: number;
  dma_addr?: number;
  tried_32bit?: boolean;
}

function scenario(name: string): Op[] {
  const ops = readFileSync(VECTORS, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Op);
  const start = ops.findIndex((o) => o.op === 'init_iova_domain' && o.scenario === name);
  const end = ops.findIndex((o, i) => i > start && o.op === 'put_iova_domain');
  return ops.slice(start, end);
}

describe('the allocator mirror takes the bus from the device name (dev_is_pci in iommu_dma_alloc_iova)', () => {
  it('reads PCI functions from their names, and nothing else as PCI', () => {
    expect(isPciName('0000:00:1f.2')).toBe(true);
    expect(isPciName('0001:3a:00.7')).toBe(true);
    expect(isPciName('9050000.smmuv3')).toBe(false);
    expect(isPciName('a003e00.virtio_mmio')).toBe(false);
    expect(isPciName('nvme0')).toBe(false);
  });

  it('a platform device allocates like the oracle\'s non-PCI device: no 32-bit first attempt; a PCI device tries below 4 GiB first', () => {
    const ops = scenario('dma_non_pci_and_masks');
    const names: Record<number, MirrorDevice> = {};
    for (const o of ops) if (o.op === 'dma_device') names[o.dev!] = o.pci ? { name: '0000:00:01.0', pci: isPciName('0000:00:01.0') } : { name: 'a003e00.virtio_mmio', pci: isPciName('a003e00.virtio_mmio') };
    expect(names[0].pci).toBe(false);
    const m = new AllocatorMirror(linux61, 1);
    m.addDomain(1, { lazy: false, reserved: [] });
    const allocs = ops.filter((o) => o.op === 'dma_alloc');
    expect(allocs.length).toBeGreaterThan(4);
    for (const o of allocs) {
      const dev = names[o.dev!];
      const p = m.predict(1, dev, o.iova_pages!, o.dma_mask_bits!, o.cpu!, null);
      expect({ dev: dev.name, iova: p.iova, tried32: p.tried32 }).toEqual({ dev: dev.name, iova: BigInt(o.dma_addr!), tried32: o.tried_32bit });
      expect(m.commit(1, dev, BigInt(o.dma_addr!), o.iova_pages!, o.dma_mask_bits!, o.cpu!, null)).toBe(true);
    }
  });

  it('the same platform device taken for PCI would go below 4 GiB first and miss the oracle', () => {
    const ops = scenario('dma_non_pci_and_masks');
    const first = ops.find((o) => o.op === 'dma_alloc' && o.dev === 0)!;
    const m = new AllocatorMirror(linux61, 1);
    m.addDomain(1, { lazy: false, reserved: [] });
    const wrong = m.predict(1, { name: 'a003e00.virtio_mmio', pci: true }, first.iova_pages!, first.dma_mask_bits!, 0, null);
    expect(wrong.iova).not.toBe(BigInt(first.dma_addr!));
  });
});
