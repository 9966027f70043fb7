// iommufd devices and hw_pagetables (drivers/iommu/iommufd/device.c, hw_pagetable.c, 6.12.117):
// binding claims DMA ownership per device (the group's blocking domain on the first claim).
// Attaching to an IOAS tries the IOAS's automatic hw_pagetables (iommufd_device_auto_get_domain:
// on one IOMMU every one takes the group) and only then allocates a paging domain, attaches the
// group to it and adds it to the IOAS, which fills it with the IOAS's areas; a hw_pagetable
// allocated by IOMMU_HWPT_ALLOC is added (and filled) at once and attached to by id. Every device
// attached reserves its reserved regions in the IOAS; the MSI cookie is taken once per
// hw_pagetable (iommufd_group_setup_msi). The last device to leave an automatic hw_pagetable
// destroys it: the domain leaves the IOAS (emptied of its areas) and is freed; unbinding the
// group's last device returns it to its default domain.
import { type Errno, InputError } from '../../domain-events/index.js';
import { type KernelCtx } from '../machine/ctx.js';
import { type IommuPlatform } from '../machine/platform.js';
import { blockingDomain, defaultDomainOf, setGroupDomain } from '../machine/ownership.js';
import { allocDomain, freeDomain } from '../machine/topology.js';
import { ioptTableAddDomain, ioptTableEnforceDevResvRegions, ioptTableRemoveDomain } from './io-pagetable.js';
import { ioptOf } from './ioas.js';
import { type Iopt, ioptRemoveReservedIova } from './iopt.js';
import { iommufdAttachMsi } from './sw-msi.js';

interface HwptPaging {
  readonly domain: number;
  readonly ioas: number;
  /** allocated by iommufd_device_auto_get_domain (destroyed with its last device) */
  readonly auto: boolean;
  /** devices attached through it */
  readonly devices: string[];
}

/** The user-space side of one iommufd: bound devices, IO page tables and hw_pagetables per IOAS. */
export class IommufdState {
  readonly bound = new Set<string>();
  readonly iopts = new Map<number, Iopt>();
  /** ioas->hwpt_list: list_add_tail order */
  readonly hwpts = new Map<number, HwptPaging[]>();
  readonly attachedTo = new Map<string, HwptPaging>();

  hwptOf(domain: number): HwptPaging | undefined {
    for (const list of this.hwpts.values()) for (const h of list) if (h.domain === domain) return h;
    return undefined;
  }
}

function groupOf(k: KernelCtx, device: string): number {
  const g = k.state.topology.devices[device]?.group;
  if (g === null || g === undefined) throw new InputError(`iommufd: ${device} is not probed (no IOMMU group)`);
  return g;
}

function members(k: KernelCtx, group: number): readonly string[] {
  return k.state.topology.groups[group].devices;
}

/** iommufd_device_bind → iommu_device_claim_dma_owner: the group's first claim blocks it. */
export function iommufdBind(k: KernelCtx, p: IommuPlatform, s: IommufdState, device: string): Errno | null {
  const group = groupOf(k, device);
  if (s.bound.has(device)) return 'EBUSY';
  const claimed = members(k, group).some((d) => s.bound.has(d));
  if (!claimed) {
    const cur = k.state.topology.devices[device]?.domain ?? null;
    if (cur !== null && cur !== defaultDomainOf(k, group)) return 'EBUSY';
    setGroupDomain(k, group, blockingDomain(k, p, group));
  }
  s.bound.add(device);
  return null;
}

/** igroup->hwpt: the hw_pagetable another device of the group is attached through. */
function groupHwpt(k: KernelCtx, s: IommufdState, device: string): HwptPaging | undefined {
  for (const d of members(k, groupOf(k, device))) if (d !== device && s.attachedTo.has(d)) return s.attachedTo.get(d);
  return undefined;
}

/**
 * iommufd_hw_pagetable_attach: -EINVAL if the group is in another hw_pagetable; the device's
 * reserved regions become reserved IOVA of the IOAS; the group's first device attaches the group
 * (and sets up its MSI window).
 */
function hwptAttach(k: KernelCtx, p: IommuPlatform, s: IommufdState, hwpt: HwptPaging, device: string): Errno | null {
  const other = groupHwpt(k, s, device);
  if (other && other !== hwpt) return 'EINVAL';
  const errno = ioptTableEnforceDevResvRegions(k, ioptOf(s.iopts, hwpt.ioas), device);
  if (errno) return errno;
  if (!other) {
    setGroupDomain(k, groupOf(k, device), hwpt.domain);
    iommufdAttachMsi(k, p, device);
  }
  hwpt.devices.push(device);
  s.attachedTo.set(device, hwpt);
  return null;
}

/** iommufd_hw_pagetable_detach: the group's last device blocks it; the device's reserved IOVA goes. */
function hwptDetach(k: KernelCtx, p: IommuPlatform, s: IommufdState, device: string): HwptPaging {
  const hwpt = s.attachedTo.get(device)!;
  s.attachedTo.delete(device);
  hwpt.devices.splice(hwpt.devices.indexOf(device), 1);
  const group = groupOf(k, device);
  if (!groupHwpt(k, s, device)) setGroupDomain(k, group, blockingDomain(k, p, group));
  ioptRemoveReservedIova(ioptOf(s.iopts, hwpt.ioas), `dev:${device}`);
  return hwpt;
}

/** iommufd_hwpt_paging_destroy: out of the IOAS's list and table (emptied), then the domain freed. */
function hwptDestroy(k: KernelCtx, s: IommufdState, hwpt: HwptPaging): void {
  const list = s.hwpts.get(hwpt.ioas)!;
  list.splice(list.indexOf(hwpt), 1);
  ioptTableRemoveDomain(k, ioptOf(s.iopts, hwpt.ioas), hwpt.domain);
  freeDomain(k, hwpt.domain);
}

/** iommufd_hwpt_paging_alloc: a paging domain, attached first when `device` is given (immediate_attach), then added to the IOAS. */
function hwptPagingAlloc(k: KernelCtx, p: IommuPlatform, s: IommufdState, ioas: number, auto: boolean, device: string | null): { hwpt: HwptPaging } | { errno: Errno } {
  const hwpt: HwptPaging = { domain: allocDomain(k, p, 'UNMANAGED', 'iommufd', null), ioas, auto, devices: [] };
  if (device !== null) {
    const errno = hwptAttach(k, p, s, hwpt, device);
    if (errno) {
      freeDomain(k, hwpt.domain);
      return { errno };
    }
  }
  const errno = ioptTableAddDomain(k, ioptOf(s.iopts, ioas), hwpt.domain);
  if (errno) {
    if (device !== null) hwptDetach(k, p, s, device);
    freeDomain(k, hwpt.domain);
    return { errno };
  }
  const list = s.hwpts.get(ioas) ?? [];
  list.push(hwpt);
  s.hwpts.set(ioas, list);
  return { hwpt };
}

/** iommufd_device_auto_get_domain: the first automatic hw_pagetable that takes the device, else a new one. */
function autoGetDomain(k: KernelCtx, p: IommuPlatform, s: IommufdState, device: string, ioas: number): { domain: number | null; errno: Errno | null } {
  for (const hwpt of s.hwpts.get(ioas) ?? []) {
    if (!hwpt.auto) continue;
    const errno = hwptAttach(k, p, s, hwpt, device);
    // -EINVAL: this domain is incompatible with the device, try the next
    if (errno === 'EINVAL') continue;
    return errno ? { domain: null, errno } : { domain: hwpt.domain, errno: null };
  }
  const r = hwptPagingAlloc(k, p, s, ioas, true, device);
  return 'errno' in r ? { domain: null, errno: r.errno } : { domain: r.hwpt.domain, errno: null };
}

/** iommufd_device_attach to an IOAS (automatic hw_pagetable) or to a hw_pagetable by id: the hw_pagetable id. */
export function iommufdAttach(k: KernelCtx, p: IommuPlatform, s: IommufdState, device: string, pt: { ioas: number } | { hwpt: number }): { domain: number | null; errno: Errno | null } {
  if (!s.bound.has(device) || s.attachedTo.has(device)) return { domain: null, errno: 'EINVAL' };
  if ('ioas' in pt) {
    if (!s.iopts.has(pt.ioas)) return { domain: null, errno: 'ENOENT' };
    return autoGetDomain(k, p, s, device, pt.ioas);
  }
  const hwpt = s.hwptOf(pt.hwpt);
  if (!hwpt) return { domain: null, errno: 'ENOENT' };
  const errno = hwptAttach(k, p, s, hwpt, device);
  return errno ? { domain: null, errno } : { domain: hwpt.domain, errno: null };
}

/** IOMMU_HWPT_ALLOC (no flags, no data): a paging hw_pagetable on the IOAS, for the device's IOMMU. */
export function iommufdHwptAlloc(k: KernelCtx, p: IommuPlatform, s: IommufdState, device: string, ioas: number): { domain: number | null; errno: Errno | null } {
  if (!s.bound.has(device) || !s.iopts.has(ioas)) return { domain: null, errno: 'ENOENT' };
  const r = hwptPagingAlloc(k, p, s, ioas, false, null);
  return 'errno' in r ? { domain: null, errno: r.errno } : { domain: r.hwpt.domain, errno: null };
}

/** IOMMU_DESTROY of a hw_pagetable: -EBUSY while a device is attached through it. */
export function iommufdHwptDestroy(k: KernelCtx, s: IommufdState, domain: number): Errno | null {
  const hwpt = s.hwptOf(domain);
  if (!hwpt) return 'ENOENT';
  if (hwpt.devices.length) return 'EBUSY';
  hwptDestroy(k, s, hwpt);
  return null;
}

/** iommufd_device_detach; an automatic hw_pagetable goes with its last device (iommufd_hw_pagetable_put). */
export function iommufdDetach(k: KernelCtx, p: IommuPlatform, s: IommufdState, device: string): Errno | null {
  if (!s.attachedTo.has(device)) return 'EINVAL';
  const hwpt = hwptDetach(k, p, s, device);
  if (hwpt.auto && hwpt.devices.length === 0) hwptDestroy(k, s, hwpt);
  return null;
}

/** iommufd_device_unbind → iommu_device_release_dma_owner: the group's last owner returns it to its default domain. */
export function iommufdUnbind(k: KernelCtx, p: IommuPlatform, s: IommufdState, device: string): Errno | null {
  if (!s.bound.has(device)) return 'EINVAL';
  if (s.attachedTo.has(device)) iommufdDetach(k, p, s, device);
  s.bound.delete(device);
  const group = groupOf(k, device);
  if (members(k, group).some((d) => s.bound.has(d))) return null;
  const def = defaultDomainOf(k, group);
  if (def !== null) setGroupDomain(k, group, def);
  return null;
}
