// iommufd devices on an IOAS (drivers/iommu/iommufd/device.c, hw_pagetable.c, 6.12): binding
// claims DMA ownership per device (the group's blocking domain on the first claim); attaching to
// an IOAS reuses an automatic hw_pagetable of that IOAS the device's group can attach to
// (iommufd_device_auto_get_domain: on one IOMMU every one can), else allocates a paging domain
// for it. So several devices on one IOAS share one domain and its MSI setup (the cookie is taken
// once per hw_pagetable, iommufd_group_setup_msi). The last device to leave an automatic
// hw_pagetable destroys it; unbinding the group's last device returns it to its default domain.
// The IOAS's areas are kept as ranges only (ioas.ts): they are not mapped into the domains.
import { type Errno, InputError } from '../../domain-events/index.js';
import { type KernelCtx } from '../machine/ctx.js';
import { type IommuPlatform } from '../machine/platform.js';
import { blockingDomain, defaultDomainOf, setGroupDomain } from '../machine/ownership.js';
import { allocDomain, freeDomain } from '../machine/topology.js';
import { iommufdAttachMsi } from './sw-msi.js';

interface HwptPaging {
  readonly domain: number;
  /** devices attached through it */
  readonly devices: string[];
}

/** The user-space side of one iommufd: bound devices, automatic hw_pagetables per IOAS. */
export class IommufdState {
  readonly bound = new Set<string>();
  readonly hwpts = new Map<number, HwptPaging[]>();
  readonly attachedTo = new Map<string, { ioas: number; hwpt: HwptPaging }>();
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

/** iommufd_device_attach to an IOAS (automatic domain): the hw_pagetable id. */
export function iommufdAttachIoas(k: KernelCtx, p: IommuPlatform, s: IommufdState, device: string, ioas: number): { domain: number | null; errno: Errno | null } {
  if (!s.bound.has(device)) return { domain: null, errno: 'EINVAL' };
  if (!k.state.ioas.spaces[ioas]) return { domain: null, errno: 'ENOENT' };
  if (s.attachedTo.has(device)) return { domain: null, errno: 'EINVAL' };
  const group = groupOf(k, device);
  const list = s.hwpts.get(ioas) ?? [];
  // a group is in one hw_pagetable: its other devices' one, if any, else the IOAS's first
  const groupHwpt = [...s.attachedTo.entries()].find(([d]) => members(k, group).includes(d))?.[1];
  if (groupHwpt && groupHwpt.ioas !== ioas) return { domain: null, errno: 'EINVAL' };
  let hwpt = groupHwpt?.hwpt ?? list[0];
  if (!hwpt) {
    // iommufd_hwpt_paging_alloc with immediate attach, then iopt_table_add_domain; list_add_tail
    hwpt = { domain: allocDomain(k, p, 'UNMANAGED', 'iommufd', null), devices: [] };
    list.push(hwpt);
    s.hwpts.set(ioas, list);
  }
  // iommufd_hw_pagetable_attach: only the group's first device attaches the group
  if (!groupHwpt) {
    setGroupDomain(k, group, hwpt.domain);
    iommufdAttachMsi(k, p, device);
  }
  hwpt.devices.push(device);
  s.attachedTo.set(device, { ioas, hwpt });
  return { domain: hwpt.domain, errno: null };
}

/** iommufd_device_detach: the group's last device blocks it; an unused automatic hw_pagetable is destroyed. */
export function iommufdDetach(k: KernelCtx, p: IommuPlatform, s: IommufdState, device: string): Errno | null {
  const at = s.attachedTo.get(device);
  if (!at) return 'EINVAL';
  const group = groupOf(k, device);
  s.attachedTo.delete(device);
  at.hwpt.devices.splice(at.hwpt.devices.indexOf(device), 1);
  if (!at.hwpt.devices.some((d) => members(k, group).includes(d))) setGroupDomain(k, group, blockingDomain(k, p, group));
  if (at.hwpt.devices.length === 0) {
    const list = s.hwpts.get(at.ioas)!;
    list.splice(list.indexOf(at.hwpt), 1);
    freeDomain(k, at.hwpt.domain);
  }
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
