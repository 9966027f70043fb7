// The global PASID space (drivers/iommu/iommu.c 6.6+, iommu_alloc_global_pasid /
// iommu_free_global_pasid over lib/idr.c): one IDA for every device, each bounded by its own
// max_pasids; PASID 0 (IOMMU_NO_PASID) is never handed out.
import { type IommuEvent, INVALID_IOASID, type Meta, PasidAllocated, PasidDeviceConfigured, PasidFreed } from '../../domain-events/index.js';
import { type IoasidState } from '../../reducers/index.js';
import { lowestFree } from './xa.js';

const INT_MAX = 0x7fffffff;

export function decidePasidDevice(device: string, maxPasids: number, meta: Meta): IommuEvent[] {
  return [PasidDeviceConfigured.make({ device, maxPasids }, meta)];
}

/** iommu_alloc_global_pasid(dev) */
export function decideGlobalPasidAlloc(s: IoasidState, device: string, meta: Meta): IommuEvent[] {
  const max = s.maxPasids[device] ?? 0;
  let pasid = INVALID_IOASID;
  if (max > 0) {
    // ida_alloc_range(1, max_pasids - 1): a max with the sign bit set is clamped to INT_MAX
    const hi = max - 1 > INT_MAX ? INT_MAX : max - 1;
    pasid = lowestFree(s.pasids, 1, hi) ?? INVALID_IOASID;
  }
  return [PasidAllocated.make({ device, pasid, maxPasids: max }, meta)];
}

/** iommu_free_global_pasid(pasid) */
export function decideGlobalPasidFree(s: IoasidState, pasid: number, meta: Meta): IommuEvent[] {
  if (pasid === INVALID_IOASID) return [PasidFreed.make({ pasid, found: false, warn: 1 }, meta)];
  // ida_free: ids with the sign bit set are ignored silently
  if (pasid > INT_MAX) return [PasidFreed.make({ pasid, found: false, warn: 0 }, meta)];
  const found = s.pasids.has(pasid);
  return [PasidFreed.make({ pasid, found, warn: found ? 0 : 1 }, meta)];
}
