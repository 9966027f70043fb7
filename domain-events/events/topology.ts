// Groups, devices and domains (drivers/iommu/iommu.c: iommu_group_add_device,
// __iommu_domain_alloc, __iommu_attach_device; include/trace/events/iommu.h).
import { defineEvent, type EventOfDef } from '../define.js';
import { errnoField } from '../errno.js';
import { bool, int, oneOf, opt, str, u64 } from '../schema.js';

/** include/linux/iommu.h domain types (values differ by version; names do not). */
export const DOMAIN_TYPES = ['BLOCKED', 'IDENTITY', 'UNMANAGED', 'DMA', 'DMA_FQ', 'SVA', 'PLATFORM', 'NESTED'] as const;
export type DomainType = (typeof DOMAIN_TYPES)[number];

export const GroupCreated = defineEvent('GroupCreated', 1, { group: int }, 'an iommu_group was allocated');

export const DeviceAddedToGroup = defineEvent(
  'DeviceAddedToGroup',
  1,
  { device: str, group: int },
  'iommu_group_add_device: the device joined the group (trace add_device_to_group)',
);

export const DeviceRemovedFromGroup = defineEvent(
  'DeviceRemovedFromGroup',
  1,
  { device: str, group: int },
  'iommu_group_remove_device (trace remove_device_from_group)',
);

export const DomainAllocated = defineEvent(
  'DomainAllocated',
  1,
  {
    domain: int,
    domainType: oneOf(...DOMAIN_TYPES),
    apertureStart: u64,
    apertureEnd: u64,
    forceAperture: bool,
    /** bit k set: the domain can map a leaf of 2^k bytes; 0n when unknown */
    pgsizeBitmap: u64,
    /** page-table format, e.g. ARM_64_LPAE_S1, VTD_SL; "unknown" for imported traces */
    fmt: str,
    /** group whose default domain this is, when it is one */
    group: opt(int),
    /** stage-2 parent of a NESTED domain */
    parent: opt(int),
    /** who allocated it: default, vfio, iommufd, driver, … */
    owner: str,
  },
  'an iommu_domain was allocated',
);

export const DomainFreed = defineEvent('DomainFreed', 1, { domain: int }, 'iommu_domain_free');

export const DeviceAttached = defineEvent(
  'DeviceAttached',
  1,
  { device: str, domain: int, errno: errnoField },
  'the device now translates through the domain (trace attach_device_to_domain on success)',
);

export const DeviceDetached = defineEvent(
  'DeviceDetached',
  1,
  { device: str, domain: int },
  'legacy detach_dev (trace detach_device_from_domain, 6.1 only)',
);

export const ReservedRegionDeclared = defineEvent(
  'ReservedRegionDeclared',
  1,
  {
    device: opt(str),
    group: opt(int),
    start: u64,
    /** inclusive last byte */
    end: u64,
    kind: oneOf('direct', 'direct-relaxable', 'reserved', 'msi', 'sw-msi', 'pci-window', 'pci-dma-gap'),
  },
  'iommu_get_resv_regions / host-bridge window that the DMA allocator must avoid',
);

export const DeviceDmaConfigured = defineEvent(
  'DeviceDmaConfigured',
  1,
  {
    device: str,
    pci: bool,
    /** streaming and coherent DMA masks, and the bus limit (0 = none) */
    dmaMask: u64,
    coherentDmaMask: u64,
    busDmaLimit: u64,
    /** dev->iommu->pci_32bit_workaround after iommu_setup_dma_ops (6.12+: PCI && !forcedac) */
    pci32Workaround: bool,
    /** dev_is_dma_coherent: mappings get IOMMU_CACHE */
    coherent: bool,
  },
  'iommu_setup_dma_ops / dma_set_mask: how the device addresses DMA',
);

export const Pci32WorkaroundCleared = defineEvent(
  'Pci32WorkaroundCleared',
  1,
  { device: str },
  'dma-iommu.c (6.12) iommu_dma_alloc_iova: the 32-bit attempt failed, the device uses its full mask from now on',
);

export type GroupCreated = EventOfDef<typeof GroupCreated>;
export type DeviceDmaConfigured = EventOfDef<typeof DeviceDmaConfigured>;
export type Pci32WorkaroundCleared = EventOfDef<typeof Pci32WorkaroundCleared>;
export type DeviceAddedToGroup = EventOfDef<typeof DeviceAddedToGroup>;
export type DeviceRemovedFromGroup = EventOfDef<typeof DeviceRemovedFromGroup>;
export type DomainAllocated = EventOfDef<typeof DomainAllocated>;
export type DomainFreed = EventOfDef<typeof DomainFreed>;
export type DeviceAttached = EventOfDef<typeof DeviceAttached>;
export type DeviceDetached = EventOfDef<typeof DeviceDetached>;
export type ReservedRegionDeclared = EventOfDef<typeof ReservedRegionDeclared>;
