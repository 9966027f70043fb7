// DMA-API calls (kernel/dma/mapping.c; include/trace/events/dma.h, 6.12+). One event per
// call, with the arguments and the result the kernel reported.
import { defineEvent, type EventOfDef } from '../define.js';
import { errnoField } from '../errno.js';
import { bool, int, list, obj, oneOf, opt, str, u64 } from '../schema.js';

export const DMA_CALLS = [
  'map_page',
  'unmap_page',
  'map_resource',
  'unmap_resource',
  'map_sg',
  'unmap_sg',
  'alloc',
  'free',
  'alloc_pages',
  'free_pages',
  'alloc_sgt',
  'free_sgt',
  'sync_single_for_cpu',
  'sync_single_for_device',
  'sync_sg_for_cpu',
  'sync_sg_for_device',
] as const;
export type DmaCall = (typeof DMA_CALLS)[number];

export const DMA_DIRS = ['BIDIRECTIONAL', 'TO_DEVICE', 'FROM_DEVICE', 'NONE'] as const;
export type DmaDir = (typeof DMA_DIRS)[number];

/** dma_map_sg / dma_unmap_sg / sync_sg lists; arrays hold at most 128 entries in 6.12 traces */
export const sgList = obj({
  /** input entries recorded / passed */
  nents: int,
  nentsTotal: int,
  /** DMA segments recorded / produced */
  ents: int,
  entsTotal: int,
  dmaAddrs: list(u64),
  sizes: list(u64),
  physAddrs: list(u64),
  truncated: bool,
});

export const DmaApiCalled = defineEvent(
  'DmaApiCalled',
  1,
  {
    device: str,
    call: oneOf(...DMA_CALLS),
    dir: oneOf(...DMA_DIRS),
    /** DMA address (IOVA + offset behind an IOMMU); all ones = DMA_MAPPING_ERROR */
    dmaAddr: opt(u64),
    phys: opt(u64),
    size: opt(u64),
    /** DMA_ATTR_* names joined with | ("" when none) */
    attrs: str,
    /** gfp flags of allocations */
    gfp: opt(str),
    sg: opt(sgList),
    errno: errnoField,
    /** domain the call went through, when known */
    domain: opt(int),
  },
  'a driver called the DMA API',
);

export type DmaApiCalled = EventOfDef<typeof DmaApiCalled>;
export type SgList = NonNullable<DmaApiCalled['sg']>;
