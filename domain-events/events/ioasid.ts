// IOASID (drivers/iommu/ioasid.c, v5.5–v6.3; seed 004) and the global PASID IDA
// (drivers/iommu/iommu.c iommu_alloc_global_pasid, 6.6+), and SVA binds on top of them.
import { defineEvent, type EventOfDef } from '../define.js';
import { errnoField } from '../errno.js';
import { bool, int, list, obj, opt, str, u32 } from '../schema.js';

/** INVALID_IOASID (6.1) and IOMMU_PASID_INVALID (6.12) are both (u32)-1. */
export const INVALID_IOASID = 0xffffffff;

export const IoasidSetAllocated = defineEvent(
  'IoasidSetAllocated',
  1,
  { set: str },
  'an ioasid_set token came into use (DECLARE_IOASID_SET)',
);

export const IoasidAllocated = defineEvent(
  'IoasidAllocated',
  1,
  {
    set: opt(str),
    min: u32,
    max: u32,
    private: opt(int),
    /** INVALID_IOASID on failure */
    id: u32,
    /** "default" or the ops name of the custom allocator that chose the id */
    allocator: str,
    /** the xarray slot stays occupied although the caller got INVALID_IOASID (id == 0xffffffff) */
    stale: bool,
  },
  'ioasid_alloc returned id',
);

export const IoasidFreed = defineEvent(
  'IoasidFreed',
  1,
  { id: u32, found: bool, allocator: str },
  'ioasid_free (unknown id: nothing but a log line)',
);

export const IoasidDataSet = defineEvent(
  'IoasidDataSet',
  1,
  { id: u32, data: opt(int), errno: errnoField },
  'ioasid_set_data published new private data (after synchronize_rcu)',
);

export const IoasidLookedUp = defineEvent(
  'IoasidLookedUp',
  1,
  {
    set: opt(str),
    id: u32,
    getter: str,
    data: opt(int),
    errno: errnoField,
    getterCalls: int,
  },
  'ioasid_find: private data, or -ENOENT / -EACCES',
);

export const IoasidAllocatorRegistered = defineEvent(
  'IoasidAllocatorRegistered',
  1,
  {
    ops: str,
    errno: errnoField,
    /** the allocator (named by the ops that created it) this ops joined, sharing its functions; null: a new allocator */
    joined: opt(str),
    /** allocator active afterwards ("default" or a creator ops name) */
    active: str,
  },
  'ioasid_register_allocator',
);

export const IoasidAllocatorUnregistered = defineEvent(
  'IoasidAllocatorUnregistered',
  1,
  {
    ops: str,
    /** the allocator (creator ops name) the ops belonged to */
    allocator: opt(str),
    /** it was the last member: the allocator and its xarray are gone (ids still in it are lost) */
    removed: bool,
    warn: int,
    active: str,
  },
  'ioasid_unregister_allocator',
);

/** Harness/custom allocator pool bookkeeping (ops->alloc / ops->free side effects). */
export const IoasidCustomPoolChanged = defineEvent(
  'IoasidCustomPoolChanged',
  1,
  { pool: str, added: list(u32), removed: list(u32) },
  'a custom allocator recorded or released ids in its own pool',
);

export const PasidDeviceConfigured = defineEvent(
  'PasidDeviceConfigured',
  1,
  { device: str, maxPasids: u32 },
  'dev->iommu->max_pasids set',
);

export const PasidAllocated = defineEvent(
  'PasidAllocated',
  1,
  { device: str, pasid: u32, maxPasids: u32 },
  'iommu_alloc_global_pasid: lowest free in [1, max_pasids-1], IOMMU_PASID_INVALID on failure',
);

export const PasidFreed = defineEvent(
  'PasidFreed',
  1,
  { pasid: u32, found: bool, warn: int },
  'iommu_free_global_pasid',
);

export const SvaBound = defineEvent(
  'SvaBound',
  1,
  { device: str, mm: str, pasid: u32, errno: errnoField, domain: opt(int) },
  'iommu_sva_bind_device: the process address space is reachable by the device through pasid',
);

export const SvaUnbound = defineEvent(
  'SvaUnbound',
  1,
  { device: str, mm: str, pasid: u32 },
  'iommu_sva_unbind_device',
);

export type IoasidSetAllocated = EventOfDef<typeof IoasidSetAllocated>;
export type IoasidAllocated = EventOfDef<typeof IoasidAllocated>;
export type IoasidFreed = EventOfDef<typeof IoasidFreed>;
export type IoasidDataSet = EventOfDef<typeof IoasidDataSet>;
export type IoasidLookedUp = EventOfDef<typeof IoasidLookedUp>;
export type IoasidAllocatorRegistered = EventOfDef<typeof IoasidAllocatorRegistered>;
export type IoasidAllocatorUnregistered = EventOfDef<typeof IoasidAllocatorUnregistered>;
export type IoasidCustomPoolChanged = EventOfDef<typeof IoasidCustomPoolChanged>;
export type PasidDeviceConfigured = EventOfDef<typeof PasidDeviceConfigured>;
export type PasidAllocated = EventOfDef<typeof PasidAllocated>;
export type PasidFreed = EventOfDef<typeof PasidFreed>;
export type SvaBound = EventOfDef<typeof SvaBound>;
export type SvaUnbound = EventOfDef<typeof SvaUnbound>;
