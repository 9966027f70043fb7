// iommu_dma_alloc_iova / iommu_dma_free_iova (dma-iommu.c): the DMA API's IOVA policy on top of
// iova.c — the device's DMA limit, the aperture, and the PCI "try below 4 GiB first" rule that
// 6.1 applies to every allocation and 6.12 drops for good after the first failure.
import { Pci32WorkaroundCleared } from '../../domain-events/index.js';
import { allocIova, allocIovaFast, freeIova, freeIovaFast, type IovaCtx } from '../iova/index.js';

export const DMA_BIT_MASK_32 = 0xffffffffn;

export function dmaBitMask(bits: number): bigint {
  return bits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(bits)) - 1n;
}

export interface DmaAllocDevice {
  readonly name: string;
  readonly pci: boolean;
  /** dev->iommu->pci_32bit_workaround (6.12+) */
  readonly pci32Workaround: boolean;
  readonly busDmaLimit: bigint;
}

export interface DmaGeometry {
  readonly apertureEnd: bigint;
  readonly forceAperture: boolean;
  /** iommu.forcedac=1 (6.1 reads the global flag at allocation time) */
  readonly forcedac: boolean;
}

export interface DmaIovaResult {
  /** IOVA (byte address) or 0n on failure */
  readonly iova: bigint;
  readonly iovaPages: number;
  readonly tried32bit: boolean;
  readonly pci32WorkaroundAfter: boolean;
}

/**
 * iommu_dma_alloc_iova(domain, size, dma_limit, dev) for a DMA (IOVA) cookie; `size` is already
 * granule-aligned bytes.
 */
export function iommuDmaAllocIova(ctx: IovaCtx, size: bigint, dmaLimit: bigint, dev: DmaAllocDevice, geo: DmaGeometry): DmaIovaResult {
  const shift = BigInt(Math.log2(ctx.d.granule));
  const iovaLen = Number(size >> shift);
  if (ctx.profile.dma.iovaApi === 'alloc_iova') return allocIova2015(ctx, iovaLen, geo.forceAperture && geo.apertureEnd < dmaLimit ? geo.apertureEnd : dmaLimit, dev, shift);
  // dma-iommu.c: min_not_zero with the bus limit, then the aperture when forced
  let limit = dev.busDmaLimit !== 0n && dev.busDmaLimit < dmaLimit ? dev.busDmaLimit : dmaLimit;
  if (geo.forceAperture && geo.apertureEnd < limit) limit = geo.apertureEnd;
  const rule = ctx.profile.dma.pci32;
  let workaround = dev.pci32Workaround;
  let tried32bit = false;
  let pfn = 0;
  if (limit > DMA_BIT_MASK_32) {
    const try32 = rule === 'every-time' ? dev.pci && !geo.forcedac : rule === 'sticky-per-device' ? workaround : false;
    if (try32) {
      tried32bit = true;
      pfn = allocIovaFast(ctx, iovaLen, Number(DMA_BIT_MASK_32 >> shift), false);
      if (!pfn && rule === 'sticky-per-device') {
        // dma-iommu.c (6.12): "Using %d-bit DMA addresses"; never below 4 GiB again for this device
        workaround = false;
        ctx.emit(Pci32WorkaroundCleared.make({ device: dev.name }, ctx.meta));
      }
    }
  }
  if (!pfn) pfn = allocIovaFast(ctx, iovaLen, Number(limit >> shift), true);
  return { iova: BigInt(pfn) << shift, iovaPages: iovaLen, tried32bit, pci32WorkaroundAfter: workaround };
}

/** Robin Murphy's 2015 dma-iommu (seed 003) __alloc_iova: alloc_iova(iovad, length, dma_limit >> shift, true). */
function allocIova2015(ctx: IovaCtx, iovaLen: number, dmaLimit: bigint, dev: DmaAllocDevice, shift: bigint): DmaIovaResult {
  const pfn = allocIova(ctx, iovaLen, Number(dmaLimit >> shift), true) ?? 0;
  return { iova: BigInt(pfn) << shift, iovaPages: iovaLen, tried32bit: false, pci32WorkaroundAfter: dev.pci32Workaround };
}

/** iommu_dma_free_iova, strict path: free_iova_fast with the unrounded size in pfns. */
export function iommuDmaFreeIova(ctx: IovaCtx, iova: bigint, size: bigint): void {
  const shift = BigInt(Math.log2(ctx.d.granule));
  // 2015 __iommu_dma_unmap: find_iova by the DMA address, then __free_iova of that node
  if (ctx.profile.dma.iovaApi === 'alloc_iova') return void freeIova(ctx, Number(iova >> shift), '__free_iova');
  freeIovaFast(ctx, Number(iova >> shift), Number(size >> shift));
}

/** iova_align: round up to the granule. */
export function iovaAlign(size: bigint, granule: number): bigint {
  const g = BigInt(granule);
  return ((size + g - 1n) / g) * g;
}
