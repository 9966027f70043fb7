// SVA binds: a process address space gets one PASID for every device it is bound to.
// 6.1 (iommu-sva-lib.c): iommu_sva_alloc_pasid(mm, 1, max) from the IOASID allocator, reused
// while in range ("pasid < min or pasid >= max" → -EOVERFLOW, the off-by-one); 6.12+: the global
// IDA with the device's max_pasids, -EOVERFLOW when the mm's PASID is beyond it.
import { type Errno, type IommuEvent, INVALID_IOASID, SvaBound, SvaUnbound } from '../../domain-events/index.js';
import { decideGlobalPasidAlloc, decideGlobalPasidFree, decideIoasidAlloc, decideIoasidFree } from '../ioasid/index.js';
import { type KernelCtx } from './ctx.js';

function mmPasid(k: KernelCtx, mm: string): number | null {
  return k.state.ioasid.binds.find((b) => b.mm === mm)?.pasid ?? k.mmPasids.get(mm) ?? null;
}

export function svaBind(k: KernelCtx, device: string, mm: string): Errno | null {
  const max = k.state.ioasid.maxPasids[device] ?? 0;
  const existing = mmPasid(k, mm);
  const bind = (pasid: number, errno: Errno | null) => k.emit(SvaBound.make({ device, mm, pasid, errno, domain: null }, k.meta));
  if (existing !== null) {
    const over = k.profile.pasid.svaRangeCheck === '6.1' ? existing < 1 || existing >= max - 1 : existing >= max;
    if (over) {
      bind(existing, 'EOVERFLOW');
      return 'EOVERFLOW';
    }
    bind(existing, null);
    return null;
  }
  let ev: IommuEvent[];
  let pasid: number;
  if (k.profile.pasid.allocator === 'ioasid') {
    // VT-d: [PASID_MIN = 1, pci_max_pasids - 1]
    if (max < 2) {
      bind(INVALID_IOASID, 'EINVAL');
      return 'EINVAL';
    }
    ev = decideIoasidAlloc({ state: k.state.ioasid, ops: new Map(), meta: k.meta }, 'iommu_sva_pasid', 1, max - 1, null);
    pasid = (ev[0] as Extract<IommuEvent, { type: 'IoasidAllocated' }>).id;
  } else {
    ev = decideGlobalPasidAlloc(k.state.ioasid, device, k.meta);
    pasid = (ev[0] as Extract<IommuEvent, { type: 'PasidAllocated' }>).pasid;
  }
  k.emit(...ev);
  if (pasid === INVALID_IOASID) {
    const errno = k.profile.pasid.allocator === 'ioasid' ? 'ENOMEM' : 'ENOSPC';
    bind(pasid, errno);
    return errno;
  }
  k.mmPasids.set(mm, pasid);
  bind(pasid, null);
  return null;
}

export function svaUnbind(k: KernelCtx, device: string, mm: string): void {
  const pasid = mmPasid(k, mm);
  if (pasid === null) return;
  k.emit(SvaUnbound.make({ device, mm, pasid }, k.meta));
}

/** The mm goes away: its PASID returns to the allocator. */
export function mmExit(k: KernelCtx, mm: string): void {
  const pasid = k.mmPasids.get(mm);
  if (pasid === undefined) return;
  k.mmPasids.delete(mm);
  if (k.profile.pasid.allocator === 'ioasid') k.emit(...decideIoasidFree({ state: k.state.ioasid, ops: new Map(), meta: k.meta }, pasid));
  else k.emit(...decideGlobalPasidFree(k.state.ioasid, pasid, k.meta));
}
