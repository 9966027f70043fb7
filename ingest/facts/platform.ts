// The reserved regions every device of a platform has, whatever the firmware says: they apply to
// the groups of a trace that brings no sysfs reserved_regions (as a capture's would), so the
// allocator carves them out and the reserved-region check sees them. Firmware regions (VT-d
// RMRRs, IORT RMRs, device-tree reserved memory) are not known without sysfs: --groups gives them.
import { type CaptureRegion } from '../capture.js';
import { type Arch } from './types.js';

export interface PlatformRegions {
  /** "x86 VT-d", "arm64 SMMUv3" */
  readonly platform: string;
  readonly regions: readonly CaptureRegion[];
  /** one line naming the kernel source */
  readonly source: string;
}

// intel/iommu.c (6.1, 6.12) intel_iommu_get_resv_regions: every device gets the interrupt window
// IOAPIC_RANGE_START..IOAPIC_RANGE_END = 0xfee00000..0xfeefffff as IOMMU_RESV_MSI (sysfs "msi");
// the 6.1.192 and 6.12.117 x86 captures' sysfs print exactly this region for every group.
const X86_VTD: PlatformRegions = {
  platform: 'x86 VT-d',
  regions: [{ start: 0xfee00000n, end: 0xfeefffffn, kind: 'msi' }],
  source: 'intel/iommu.c (6.1, 6.12) intel_iommu_get_resv_regions: IOAPIC_RANGE_START..IOAPIC_RANGE_END as IOMMU_RESV_MSI',
};

// arm-smmu-v3.c (6.1, 6.12) arm_smmu_get_resv_regions: MSI_IOVA_BASE 0x8000000, MSI_IOVA_LENGTH
// 0x100000 (arm-smmu-v3.h) as IOMMU_RESV_SW_MSI, where an MSI cookie maps doorbells (sysfs prints
// it as "msi" too); the 6.1.192 and 6.12.117 arm64 captures' sysfs print exactly this region.
const ARM64_SMMUV3: PlatformRegions = {
  platform: 'arm64 SMMUv3',
  regions: [{ start: 0x8000000n, end: 0x80fffffn, kind: 'msi' }],
  source: 'arm-smmu-v3.c (6.1, 6.12) arm_smmu_get_resv_regions: MSI_IOVA_BASE 0x8000000 + MSI_IOVA_LENGTH 0x100000 as IOMMU_RESV_SW_MSI',
};

export function platformRegions(arch: Arch): PlatformRegions {
  return arch === 'x86_64' ? X86_VTD : ARM64_SMMUV3;
}

export function describeRegions(p: PlatformRegions): string {
  return p.regions.map((r) => `${r.kind} 0x${r.start.toString(16)}-0x${r.end.toString(16)}`).join(', ');
}
