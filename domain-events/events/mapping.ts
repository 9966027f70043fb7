// Page-table mappings and TLB/flush-queue maintenance (drivers/iommu/iommu.c iommu_map /
// iommu_unmap; io-pgtable-arm.c; dma-iommu.c flush queue).
import { defineEvent, type EventOfDef } from '../define.js';
import { errnoField } from '../errno.js';
import { int, list, obj, oneOf, opt, str, u64 } from '../schema.js';

/** A run of `count` leaves of `pgsize` bytes, contiguous in IOVA and PA. */
export const leafRun = obj({ iova: u64, paddr: u64, pgsize: u64, count: int });

export const Mapped = defineEvent(
  'Mapped',
  1,
  {
    domain: int,
    iova: u64,
    paddr: u64,
    size: u64,
    /** IOMMU_READ=1 WRITE=2 CACHE=4 NOEXEC=8 MMIO=16 PRIV=32; null when the source does not say */
    prot: opt(int),
    /** the leaves written, when the producer modelled the page table; null: derive from pgsize_bitmap */
    leaves: opt(list(leafRun)),
    /** kernel WARNs fired during the call */
    warn: int,
  },
  'iommu_map succeeded (trace map: iova, paddr, size)',
);

export const MapFailed = defineEvent(
  'MapFailed',
  1,
  {
    domain: int,
    iova: u64,
    paddr: u64,
    size: u64,
    prot: opt(int),
    errno: errnoField,
    /** bytes mapped before the error (unrolled by an Unmapped that follows) */
    mapped: u64,
    /** the leaves those bytes were written as, when the producer modelled the page table */
    leaves: opt(list(leafRun)),
    warn: int,
  },
  'iommu_map failed with errno (7.2 traces a map line with the bytes mapped)',
);

export const Unmapped = defineEvent(
  'Unmapped',
  1,
  {
    domain: int,
    iova: u64,
    size: u64,
    /** bytes the driver reported; may be less (hole, refused split) or more (VT-d superpage) */
    unmappedSize: u64,
    warn: int,
  },
  'iommu_unmap / iommu_unmap_fast returned (trace unmap: iova, size, unmapped_size)',
);

export const PgtableConfigured = defineEvent(
  'PgtableConfigured',
  1,
  {
    domain: int,
    /** io-pgtable format: ARM_64_LPAE_S1, ARM_64_LPAE_S2, VTD_SL, … */
    fmt: str,
    ias: int,
    oas: int,
    granule: int,
    /** after the format restricted it (arm_lpae_restrict_pgsizes) */
    pgsizeBitmap: u64,
    startLevel: int,
    /** bits of the top-level index */
    pgdBits: int,
  },
  'alloc_io_pgtable_ops: the domain translates through a page table of this format and geometry',
);

export const PgtableTableAllocated = defineEvent(
  'PgtableTableAllocated',
  1,
  { domain: int, level: int, iova: u64, size: u64 },
  'a page-table page was allocated for the table at `level` that translates [iova, iova+size)',
);

export const PgtableTableFreed = defineEvent(
  'PgtableTableFreed',
  1,
  { domain: int, level: int, iova: u64, size: u64 },
  'the page-table page at `level` for [iova, iova+size) was freed, with every table below it',
);

export const IotlbFlushed = defineEvent(
  'IotlbFlushed',
  1,
  {
    domain: int,
    /** io-pgtable tlb_add_page / tlb_flush_walk / tlb_flush_all calls, iotlb_sync */
    addPage: int,
    flushWalk: int,
    flushAll: int,
    iova: opt(u64),
    size: opt(u64),
  },
  'IOTLB maintenance the driver was asked to do',
);

export const FlushQueued = defineEvent(
  'FlushQueued',
  1,
  {
    domain: int,
    pfn: int,
    pages: int,
    /** fq_flush_start_cnt when queued: freed once a flush started later has finished */
    counter: int,
    /** this entry armed the flush timer, due at this trace time (ns) */
    timerDeadline: opt(int),
  },
  'queue_iova: lazy unmap parked the IOVA in the CPU flush queue until the next IOTLB flush',
);

export const FlushQueueTimerExpired = defineEvent(
  'FlushQueueTimerExpired',
  1,
  { domain: int },
  'fq_flush_timeout ran (IOVA_FQ_TIMEOUT after the first queued entry): a full flush, then every CPU queue drains',
);

export const FlushQueueDrained = defineEvent(
  'FlushQueueDrained',
  1,
  {
    domain: int,
    /** entries removed from the head of the CPU queue (cpu in the envelope); their frees follow */
    entries: int,
    reason: oneOf('timer', 'full', 'queue', 'teardown'),
    finishedCnt: int,
  },
  'flush-queue entries whose IOTLB flush completed were freed (fq_ring_free)',
);

export type Mapped = EventOfDef<typeof Mapped>;
export type MapFailed = EventOfDef<typeof MapFailed>;
export type Unmapped = EventOfDef<typeof Unmapped>;
export type PgtableConfigured = EventOfDef<typeof PgtableConfigured>;
export type PgtableTableAllocated = EventOfDef<typeof PgtableTableAllocated>;
export type PgtableTableFreed = EventOfDef<typeof PgtableTableFreed>;
export type IotlbFlushed = EventOfDef<typeof IotlbFlushed>;
export type FlushQueued = EventOfDef<typeof FlushQueued>;
export type FlushQueueDrained = EventOfDef<typeof FlushQueueDrained>;
export type FlushQueueTimerExpired = EventOfDef<typeof FlushQueueTimerExpired>;
export type LeafRun = Mapped['leaves'] extends readonly (infer L)[] | null ? L : never;

