// The dma_iova API of dma-iommu.c (7.3.4; absent from 6.12.117): a caller reserves one IOVA range
// for a whole request (dma_iova_try_alloc), maps pages into it later (dma_iova_link), unmaps them
// (dma_iova_unlink) and gives the range back at once (dma_iova_free, never through the flush
// queue). A `struct dma_iova_state` is known by its `addr` (state->addr = range start + the
// first buffer's offset in the granule). None of these calls has a trace event: their page-table
// and allocator effects are the Mapped / Unmapped / Iova* events around them.
import { defineEvent, type EventOfDef } from '../define.js';
import { errnoField } from '../errno.js';
import { int, opt, str, u64 } from '../schema.js';

export const DmaIovaAllocated = defineEvent(
  'DmaIovaAllocated',
  1,
  {
    device: str,
    /** the device's DMA domain; null when the device does not use dma-iommu (try_alloc returns false) */
    domain: opt(int),
    /** the request: where its first byte is and how many bytes it spans */
    phys: u64,
    size: u64,
    /** state->addr, null when dma_iova_try_alloc returned false */
    state: opt(u64),
    /** the range reserved: granule-aligned start (null on failure) and iova_align(size + phys offset) */
    iova: opt(u64),
    length: u64,
    /** WARN_ON_ONCE: size 0, or the DMA_IOVA_USE_SWIOTLB bit set in size */
    warn: int,
  },
  'dma_iova_try_alloc: one IOVA range reserved for a whole request (nothing mapped yet)',
);

export const DmaIovaLinked = defineEvent(
  'DmaIovaLinked',
  1,
  {
    device: str,
    domain: int,
    /** state->addr of the range the caller links into */
    state: u64,
    /** the caller's offset into the request, the buffer and its length */
    offset: u64,
    phys: u64,
    size: u64,
    /** where iommu_map_nosync mapped: state->addr + offset - pad, iova_align(size + pad) bytes */
    iova: u64,
    length: u64,
    /** -EIO: an unaligned buffer at a non-zero offset (WARN_ON_ONCE); or iommu_map's error */
    errno: errnoField,
    warn: int,
  },
  'dma_iova_link: pages mapped into a range dma_iova_try_alloc reserved',
);

export const DmaIovaUnlinked = defineEvent(
  'DmaIovaUnlinked',
  1,
  {
    device: str,
    domain: int,
    state: u64,
    offset: u64,
    size: u64,
    /** the granule-aligned range iommu_unmap_fast was asked to unmap, and what it unmapped */
    iova: u64,
    length: u64,
    unmapped: u64,
    /** WARN_ON(unmapped != size) */
    warn: int,
  },
  'dma_iova_unlink: pages of a dma_iova range unmapped, the IOTLB synced at once (the range stays reserved)',
);

export const DmaIovaFreed = defineEvent(
  'DmaIovaFreed',
  1,
  {
    device: str,
    domain: int,
    state: u64,
    /** dma_iova_size(state): the size try_alloc was given */
    size: u64,
    /** the range given back to the allocator: state->addr - pad, iova_align(size + pad) */
    iova: u64,
    length: u64,
  },
  'dma_iova_free: the range goes back to the IOVA allocator at once (free_iova_fast, never the flush queue)',
);

export type DmaIovaAllocated = EventOfDef<typeof DmaIovaAllocated>;
export type DmaIovaLinked = EventOfDef<typeof DmaIovaLinked>;
export type DmaIovaUnlinked = EventOfDef<typeof DmaIovaUnlinked>;
export type DmaIovaFreed = EventOfDef<typeof DmaIovaFreed>;
