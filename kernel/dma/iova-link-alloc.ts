// The allocator side of the dma_iova API (dma-iommu.c 7.3.4 dma_iova_try_alloc / dma_iova_free):
// one IOVA range for a whole request through the same iommu_dma_alloc_iova as a classic map (its
// PCI 32-bit-first rule and sticky flag included), and a free that is always immediate.
import { type IovaCtx } from '../iova/index.js';
import { type DmaAllocDevice, type DmaGeometry, iommuDmaAllocIova, iommuDmaFreeIova, iovaAlign } from './alloc-iova.js';

/** include/linux/dma-mapping.h (7.3.4) DMA_IOVA_USE_SWIOTLB: bit 63 of state->__size */
export const DMA_IOVA_USE_SWIOTLB = 1n << 63n;

export interface IovaTryAlloc {
  readonly ok: boolean;
  /** state->addr: the range start plus phys's offset in the granule; 0n when !ok */
  readonly dmaAddr: bigint;
  /** the range reserved (granule-aligned), 0n when !ok */
  readonly iova: bigint;
  /** iova_align(size + pad) in bytes; 0n when the allocator was not asked */
  readonly length: bigint;
  readonly tried32bit: boolean;
  readonly warn: number;
}

/** iova_offset(iovad, addr): the part of `addr` inside its granule */
export function iovaOffset(addr: bigint, granule: number): bigint {
  return addr & (BigInt(granule) - 1n);
}

/** dma_iova_try_alloc(dev, state, phys, size) once use_dma_iommu(dev) holds. */
export function dmaIovaTryAllocIova(ctx: IovaCtx, dev: DmaAllocDevice, geo: DmaGeometry, phys: bigint, size: bigint, dmaMask: bigint): IovaTryAlloc {
  const none = { ok: false, dmaAddr: 0n, iova: 0n, length: 0n, tried32bit: false };
  // WARN_ON_ONCE(!size); WARN_ON_ONCE(size & DMA_IOVA_USE_SWIOTLB): false before allocating
  if (size === 0n || (size & DMA_IOVA_USE_SWIOTLB) !== 0n) return { ...none, warn: 1 };
  const pad = iovaOffset(phys, ctx.d.granule);
  const length = iovaAlign(size + pad, ctx.d.granule);
  const r = iommuDmaAllocIova(ctx, length, dmaMask, dev, geo);
  if (r.iova === 0n) return { ...none, length, tried32bit: r.tried32bit, warn: 0 };
  return { ok: true, dmaAddr: r.iova + pad, iova: r.iova, length, tried32bit: r.tried32bit, warn: 0 };
}

/**
 * dma_iova_free(dev, state): iommu_dma_free_iova(domain, addr - pad, iova_align(size + pad), NULL).
 * The NULL gather is never queued: free_iova_fast now, even on a DMA_FQ domain.
 */
export function dmaIovaFreeIova(ctx: IovaCtx, dmaAddr: bigint, size: bigint): { iova: bigint; length: bigint } {
  const pad = iovaOffset(dmaAddr, ctx.d.granule);
  const length = iovaAlign((size & ~DMA_IOVA_USE_SWIOTLB) + pad, ctx.d.granule);
  iommuDmaFreeIova(ctx, dmaAddr - pad, length);
  return { iova: dmaAddr - pad, length };
}
