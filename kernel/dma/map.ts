// __iommu_dma_map / __iommu_dma_unmap and the page entry points (dma-iommu.c): one IOVA per
// call, granule-aligned around the buffer, mapped with iommu_map; unmapped with
// iommu_unmap_fast and freed at once (strict) or queued until the next IOTLB flush (lazy).
import { DmaApiCalled, type DmaDir, type Errno } from '../../domain-events/index.js';
import { DMA_MAPPING_ERROR, translate } from '../../reducers/index.js';
import { iommuMap, iommuUnmap } from '../core/iommu-map.js';
import { type KernelCtx } from '../machine/ctx.js';
import { coreDomain } from './core-domain.js';
import { iommuDmaAllocIova, iommuDmaFreeIova, iovaAlign } from './alloc-iova.js';
import { type DmaTarget, dmaTarget } from './device.js';
import { queueIova } from './flush-queue.js';
import { dmaInfoToProt } from './prot.js';

function granuleOf(k: KernelCtx, domain: number): number {
  return k.state.iova.domains.get(domain)?.granule ?? 4096;
}

/** iommu_dma_alloc_iova for a DMA cookie: `size` bytes (granule-aligned) under `mask`. 0n on failure. */
export function allocDmaIova(k: KernelCtx, t: DmaTarget, size: bigint, mask: bigint): bigint {
  return k.withIova(t.domain!, (c) =>
    iommuDmaAllocIova(c, size, mask, { name: t.device, pci: t.pci, pci32Workaround: t.pci32Workaround, busDmaLimit: t.busDmaLimit }, { apertureEnd: t.apertureEnd, forceAperture: t.forceAperture, forcedac: k.profile.dma.pci32 === 'off' }),
  ).iova;
}

/** __iommu_dma_map: the DMA address, or DMA_MAPPING_ERROR. */
export function iommuDmaMap(k: KernelCtx, t: DmaTarget, phys: bigint, size: bigint, prot: number, mask: bigint): bigint {
  const domain = t.domain!;
  const g = BigInt(granuleOf(k, domain));
  const off = phys % g;
  const len = iovaAlign(size + off, Number(g));
  const iova = allocDmaIova(k, t, len, mask);
  if (iova === 0n) return DMA_MAPPING_ERROR;
  const r = k.withPgtable(domain, (c) => iommuMap(c, coreDomain(k.state, domain), iova, phys - off, len, prot));
  if (r.errno) {
    // the IOVA goes back at once, even in lazy mode
    k.withIova(domain, (c) => iommuDmaFreeIova(c, iova, len));
    return DMA_MAPPING_ERROR;
  }
  return iova + off;
}

/** __iommu_dma_unmap(dev, dma_addr, size) */
export function iommuDmaUnmap(k: KernelCtx, t: DmaTarget, dmaAddr: bigint, size: bigint): bigint {
  const domain = t.domain!;
  const g = BigInt(granuleOf(k, domain));
  const off = dmaAddr % g;
  const start = dmaAddr - off;
  const len = iovaAlign(size + off, Number(g));
  // the gather is queued iff the cookie has a flush queue (DMA_FQ)
  const lazy = k.state.topology.domains[domain]?.type === 'DMA_FQ';
  const unmapped = k.withPgtable(domain, (c) => iommuUnmap(c, coreDomain(k.state, domain), start, len), { gatherQueued: lazy });
  // dma-iommu.c: WARN_ON(unmapped != size), and carry on
  if (unmapped !== len) k.warn++;
  if (lazy) queueIova(k, domain, Number(start / g), Number(len / g));
  else k.withIova(domain, (c) => iommuDmaFreeIova(c, start, len));
  return unmapped;
}

export interface MapPageArgs {
  readonly device: string;
  readonly phys: bigint;
  readonly size: bigint;
  readonly dir: DmaDir;
  readonly attrs?: string;
  /** dma_map_resource: MMIO, never cache-coherent */
  readonly resource?: boolean;
}

/** dma_map_page_attrs / dma_map_resource through dma-iommu (or dma-direct without translation). */
export function dmaMapPage(k: KernelCtx, a: MapPageArgs): bigint {
  const t = dmaTarget(k.state, a.device);
  const attrs = a.attrs ?? '';
  let addr: bigint;
  if (t.domain === null) addr = a.phys;
  else addr = iommuDmaMap(k, t, a.phys, a.size, dmaInfoToProt(a.dir, !a.resource && t.coherent, attrs, a.resource), t.dmaMask);
  const errno: Errno | null = addr === DMA_MAPPING_ERROR ? 'ENOMEM' : null;
  k.emit(DmaApiCalled.make({ device: a.device, call: a.resource ? 'map_resource' : 'map_page', dir: a.dir, dmaAddr: addr, phys: a.phys, size: a.size, attrs, gfp: null, sg: null, errno, domain: t.domain }, k.meta));
  return addr;
}

/** dma_unmap_page_attrs: iommu_dma_unmap_page WARNs and does nothing when the IOVA translates to 0. */
export function dmaUnmapPage(k: KernelCtx, a: { device: string; dmaAddr: bigint; size: bigint; dir: DmaDir; attrs?: string; resource?: boolean }): void {
  const t = dmaTarget(k.state, a.device);
  if (t.domain !== null) {
    const pt = k.state.pageTables.domains.get(t.domain);
    const phys = pt ? translate(pt.runs, a.dmaAddr) : null;
    if (!a.resource && !phys) k.warn++;
    else iommuDmaUnmap(k, t, a.dmaAddr, a.size);
  }
  k.emit(DmaApiCalled.make({ device: a.device, call: a.resource ? 'unmap_resource' : 'unmap_page', dir: a.dir, dmaAddr: a.dmaAddr, phys: null, size: a.size, attrs: a.attrs ?? '', gfp: null, sg: null, errno: null, domain: t.domain }, k.meta));
}
