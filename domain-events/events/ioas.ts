// iommufd IO address spaces (drivers/iommu/iommufd/io_pagetable.c): user-space areas mapped at a
// fixed or an automatically chosen IOVA, and unmapped only as whole areas.
import { defineEvent, type EventOfDef } from '../define.js';
import { errnoField } from '../errno.js';
import { bool, int, u64 } from '../schema.js';

export const IoasAllocated = defineEvent('IoasAllocated', 1, { ioas: int }, 'IOMMU_IOAS_ALLOC: an empty IO address space');

export const IoasAreaMapped = defineEvent(
  'IoasAreaMapped',
  1,
  {
    ioas: int,
    /** the IOVA used (chosen by iopt_alloc_iova when auto); the requested one on failure */
    iova: u64,
    length: u64,
    /** IOMMU_IOAS_MAP without IOMMU_IOAS_MAP_FIXED_IOVA */
    auto: bool,
    errno: errnoField,
  },
  'IOMMU_IOAS_MAP: iopt_map_user_pages added an area (-EEXIST on overlap, -EINVAL unaligned, -ENOSPC no room)',
);

export const IoasAreaUnmapped = defineEvent(
  'IoasAreaUnmapped',
  1,
  { ioas: int, iova: u64, length: u64, unmapped: u64, areas: int, errno: errnoField },
  'IOMMU_IOAS_UNMAP: iopt_unmap_iova_range removed the areas fully inside the range (-ENOENT when one is cut or none is found)',
);

export type IoasAllocated = EventOfDef<typeof IoasAllocated>;
export type IoasAreaMapped = EventOfDef<typeof IoasAreaMapped>;
export type IoasAreaUnmapped = EventOfDef<typeof IoasAreaUnmapped>;
