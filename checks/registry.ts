// Every check, in the order they run and are listed.
import { type Check } from './check.js';
import { cachelineOverlap } from './dma-api/cacheline-overlap.js';
import { dmaLeak } from './dma-api/leak.js';
import { sgCountMismatch } from './dma-api/sg-count-mismatch.js';
import { syncDirectionMismatch } from './dma-api/sync-direction-mismatch.js';
import { syncNotMapped } from './dma-api/sync-not-mapped.js';
import { syncOutOfRange } from './dma-api/sync-out-of-range.js';
import { unmapDirectionMismatch } from './dma-api/unmap-direction-mismatch.js';
import { unmapNotMapped } from './dma-api/unmap-not-mapped.js';
import { unmapSizeMismatch } from './dma-api/unmap-size-mismatch.js';
import { unmapTypeMismatch } from './dma-api/unmap-type-mismatch.js';
import { dmaIovaDoubleFree } from './dma-iova/double-free.js';
import { dmaIovaFreeWhileLinked } from './dma-iova/free-while-linked.js';
import { dmaIovaLinkOutsideRange } from './dma-iova/link-outside-range.js';
import { mapOverLive } from './iommu/map-over-live.js';
import { mappingsAtFree } from './iommu/mappings-at-free.js';
import { msiNoDoorbell } from './iommu/msi-no-doorbell.js';
import { mapOutsideAperture } from './iommu/outside-aperture.js';
import { pageFault } from './iommu/page-fault.js';
import { partialBlockUnmap } from './iommu/partial-block-unmap.js';
import { pgtableIovaInconsistent } from './iommu/pgtable-iova-inconsistent.js';
import { physShared } from './iommu/phys-shared.js';
import { mapInReservedRegion } from './iommu/reserved-region.js';
import { unmapHole } from './iommu/unmap-hole.js';
import { unmapShort } from './iommu/unmap-short.js';
import { useAfterFree } from './iommu/use-after-free.js';
import { ioasidStaleLookup } from './ioasid/stale-lookup.js';
import { eventsLost } from './trace/events-lost.js';

export const CHECKS: readonly Check[] = [
  unmapNotMapped,
  unmapSizeMismatch,
  unmapTypeMismatch,
  unmapDirectionMismatch,
  sgCountMismatch,
  syncNotMapped,
  syncOutOfRange,
  syncDirectionMismatch,
  cachelineOverlap,
  dmaLeak,
  dmaIovaLinkOutsideRange,
  dmaIovaFreeWhileLinked,
  dmaIovaDoubleFree,
  mapOverLive,
  unmapHole,
  unmapShort,
  partialBlockUnmap,
  pgtableIovaInconsistent,
  mapOutsideAperture,
  mapInReservedRegion,
  msiNoDoorbell,
  useAfterFree,
  mappingsAtFree,
  physShared,
  pageFault,
  ioasidStaleLookup,
  eventsLost,
];
