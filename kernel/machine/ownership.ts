// Group DMA ownership (drivers/iommu/iommu.c, 6.1 and 6.12): a group claimed by VFIO or iommufd
// sits in its blocking domain between user domains, and goes back to its default domain when
// released. Group domain switches attach every device of the group, and none when it is already
// there (__iommu_group_set_domain).
import { type KernelCtx } from './ctx.js';
import { type IommuPlatform } from './platform.js';
import { allocDomain, attach } from './topology.js';

/** __iommu_group_set_domain: every device of the group switches; nothing is traced if it is already there. */
export function setGroupDomain(k: KernelCtx, group: number, domain: number): void {
  const dev = k.state.topology.groups[group].devices[0];
  if (k.state.topology.devices[dev]?.domain === domain) return;
  attach(k, dev, domain);
}

/**
 * __iommu_group_alloc_blocking_domain: allocated on the first claim and kept with the group.
 * 6.12's drivers have a static BLOCKED domain; 6.1's (arm-smmu-v3, intel) do not, and the core
 * falls back to an empty UNMANAGED domain.
 */
export function blockingDomain(k: KernelCtx, p: IommuPlatform, group: number): number {
  const have = Object.values(k.state.topology.domains).find((d) => d.group === group && d.owner === 'blocking' && d.freedSeq === null);
  if (have) return have.id;
  return allocDomain(k, p, k.profile.core.blockingDomain === 'blocked' ? 'BLOCKED' : 'UNMANAGED', 'blocking', group);
}

/** The group's default domain. */
export function defaultDomainOf(k: KernelCtx, group: number): number | null {
  return k.state.topology.devices[k.state.topology.groups[group].devices[0]]?.defaultDomain ?? null;
}
