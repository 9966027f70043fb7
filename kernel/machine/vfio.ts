// VFIO type1 containers (drivers/vfio/container.c, drivers/vfio/vfio_iommu_type1.c, 6.1 and
// 6.12; the group ownership calls in drivers/iommu/iommu.c): a group joins a container by
// claiming DMA ownership (its blocking domain), VFIO_SET_IOMMU or a later join attaches it to a
// domain of the container, and a second compatible group is moved into the container's existing
// domain (one domain, one IOVA space, one MSI cookie for both). Leaving detaches the group to its
// blocking domain, frees the domain with its last group, and releases ownership back to the
// default DMA domain. The container itself is user-space state, kept here beside the model.
import { type Errno, InputError } from '../../domain-events/index.js';
import { iommuMap, iommuUnmap } from '../core/iommu-map.js';
import { iommuGetMsiCookie } from '../dma/cookie.js';
import { coreDomain } from '../dma/core-domain.js';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from '../pgtable/arm-lpae-pte.js';
import { type KernelCtx } from './ctx.js';
import { type IommuPlatform } from './platform.js';
import { blockingDomain, defaultDomainOf, setGroupDomain } from './ownership.js';
import { allocDomain, freeDomain } from './topology.js';

const PAGE_SIZE = 0x1000n;

interface VfioDma {
  readonly iova: bigint;
  readonly size: bigint;
  readonly paddr: bigint;
  readonly prot: number;
}

interface VfioDomain {
  readonly domain: number;
  /** domain->group_list */
  readonly groups: number[];
}

export interface VfioContainer {
  /** container->group_list: list_add puts the newest group first */
  readonly groups: number[];
  /** VFIO_SET_IOMMU done (container->iommu_driver) */
  iommuSet: boolean;
  /** iommu->domain_list: list_add puts the newest domain first */
  readonly domains: VfioDomain[];
  /** iommu->dma_list, by IOVA */
  readonly dmas: VfioDma[];
}

/** The user-space side: containers by name and the container each group is in. */
export class VfioState {
  readonly containers = new Map<string, VfioContainer>();
  readonly containerOf = new Map<number, string>();

  container(name: string): VfioContainer {
    let c = this.containers.get(name);
    if (!c) {
      c = { groups: [], iommuSet: false, domains: [], dmas: [] };
      this.containers.set(name, c);
    }
    return c;
  }
}

function groupOf(k: KernelCtx, device: string): number {
  const g = k.state.topology.devices[device]?.group;
  if (g === null || g === undefined) throw new InputError(`vfio: ${device} is not probed (no IOMMU group)`);
  return g;
}

/** A device of the group: the iommu_group_for_each_dev representative. */
function firstDevice(k: KernelCtx, group: number): string {
  return k.state.topology.groups[group].devices[0];
}

/** iommu_group_claim_dma_owner: -EBUSY unless the group is in its default domain; then the blocking domain. */
function claimDmaOwner(k: KernelCtx, p: IommuPlatform, group: number): Errno | null {
  const cur = k.state.topology.devices[firstDevice(k, group)]?.domain ?? null;
  if (cur !== null && cur !== defaultDomainOf(k, group)) return 'EBUSY';
  setGroupDomain(k, group, blockingDomain(k, p, group));
  return null;
}

/** The group's usable IOVA ranges: the aperture minus its reserved regions, relaxable ones kept (vfio_iommu_resv_exclude). */
function usableRanges(k: KernelCtx, group: number, apertureEnd: bigint): { start: bigint; end: bigint }[] {
  const resv = k.state.topology.regions.filter((r) => r.group === group && r.kind !== 'direct-relaxable').sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: { start: bigint; end: bigint }[] = [];
  let start = 0n;
  for (const r of resv) {
    if (r.start > start) out.push({ start, end: r.start - 1n });
    if (r.end + 1n > start) start = r.end + 1n;
  }
  if (start <= apertureEnd) out.push({ start, end: apertureEnd });
  return out;
}

/** vfio_test_domain_fgsp: the first range that holds two pages from its 8 KiB-aligned start. */
function fgspIova(k: KernelCtx, group: number, apertureEnd: bigint): bigint | null {
  for (const r of usableRanges(k, group, apertureEnd)) {
    const start = (r.start + 2n * PAGE_SIZE - 1n) & ~(2n * PAGE_SIZE - 1n);
    if (start >= r.end || r.end - start < 2n * PAGE_SIZE) continue;
    return start;
  }
  return null;
}

/**
 * vfio_test_domain_fgsp: map two pages and unmap the first; only if exactly one page came back
 * is the second unmapped on its own (a superpage-capable table would have unmapped both).
 */
function testDomainFgsp(k: KernelCtx, domain: number, group: number, scratch: bigint): void {
  const iova = fgspIova(k, group, k.state.topology.domains[domain].apertureEnd);
  if (iova === null) return;
  const r = k.withPgtable(domain, (c) => iommuMap(c, coreDomain(k.state, domain), iova, scratch, 2n * PAGE_SIZE, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE));
  if (r.errno) return;
  const n = k.withPgtable(domain, (c) => iommuUnmap(c, coreDomain(k.state, domain), iova, PAGE_SIZE));
  if (n === PAGE_SIZE) k.withPgtable(domain, (c) => iommuUnmap(c, coreDomain(k.state, domain), iova + PAGE_SIZE, PAGE_SIZE));
}

function swMsiBase(k: KernelCtx, group: number): bigint | null {
  return k.state.topology.regions.find((r) => r.group === group && r.kind === 'sw-msi')?.start ?? null;
}

/**
 * vfio_iommu_type1_attach_group: a new domain attached to the group; if the container already
 * has a domain of the same IOMMU ops (one IOMMU here, so every domain is compatible), the group
 * goes back to its blocking domain, joins that one, and the new domain is freed. Otherwise the
 * new domain is probed for fine-grained superpages, gets the container's mappings and, when the
 * group has a software MSI window, an MSI cookie at its base.
 */
function attachGroup(k: KernelCtx, p: IommuPlatform, c: VfioContainer, group: number, scratch: bigint): void {
  const fresh = allocDomain(k, p, 'UNMANAGED', 'vfio', null);
  setGroupDomain(k, group, fresh);
  const shared = c.domains[0];
  if (shared) {
    // iommu_detach_group: the group is owned, so its core domain is the blocking one
    setGroupDomain(k, group, blockingDomain(k, p, group));
    setGroupDomain(k, group, shared.domain);
    shared.groups.unshift(group);
    freeDomain(k, fresh);
    return;
  }
  testDomainFgsp(k, fresh, group, scratch);
  // vfio_iommu_replay: mappings made before this domain existed
  for (const d of c.dmas) k.withPgtable(fresh, (x) => iommuMap(x, coreDomain(k.state, fresh), d.iova, d.paddr, d.size, d.prot));
  const base = swMsiBase(k, group);
  if (base !== null) iommuGetMsiCookie(k, fresh, base);
  c.domains.unshift({ domain: fresh, groups: [group] });
}

/** VFIO_GROUP_SET_CONTAINER (vfio_container_attach_group): claim, then attach if the IOMMU is set. */
export function vfioGroupSetContainer(k: KernelCtx, p: IommuPlatform, v: VfioState, device: string, name: string, scratch: bigint): Errno | null {
  const group = groupOf(k, device);
  if (v.containerOf.has(group)) return 'EINVAL';
  const c = v.container(name);
  const errno = claimDmaOwner(k, p, group);
  if (errno) return errno;
  if (c.iommuSet) attachGroup(k, p, c, group, scratch);
  c.groups.unshift(group);
  v.containerOf.set(group, name);
  return null;
}

/** VFIO_SET_IOMMU (type1v2): every group of the container, newest first (__vfio_container_attach_groups). */
export function vfioSetIommu(k: KernelCtx, p: IommuPlatform, v: VfioState, name: string, scratch: bigint): Errno | null {
  const c = v.containers.get(name);
  if (!c || c.groups.length === 0 || c.iommuSet) return 'EINVAL';
  for (const g of c.groups) attachGroup(k, p, c, g, scratch);
  c.iommuSet = true;
  return null;
}

/** VFIO_IOMMU_MAP_DMA: one pinned, physically contiguous range, mapped in every domain (vfio_iommu_map). */
export function vfioDmaMap(k: KernelCtx, v: VfioState, name: string, iova: bigint, size: bigint, paddr: bigint, prot: number): Errno | null {
  const c = v.containers.get(name);
  if (!c?.iommuSet || size === 0n || (iova | size | paddr) % PAGE_SIZE !== 0n) return 'EINVAL';
  if (c.dmas.some((d) => d.iova < iova + size && iova < d.iova + d.size)) return 'EEXIST';
  // vfio_iommu_map: the user's prot | IOMMU_CACHE
  const dma = { iova, size, paddr, prot: prot | IOMMU_CACHE };
  for (const d of c.domains) {
    const r = k.withPgtable(d.domain, (x) => iommuMap(x, coreDomain(k.state, d.domain), iova, paddr, size, dma.prot));
    if (r.errno) return r.errno;
  }
  c.dmas.push(dma);
  c.dmas.sort((a, b) => (a.iova < b.iova ? -1 : 1));
  return null;
}

/** vfio_unmap_unpin: the other domains whole, then the first (one contiguous range: one unmap). */
function unmapUnpin(k: KernelCtx, c: VfioContainer, dma: VfioDma): void {
  const [first, ...rest] = c.domains;
  for (const d of [...rest, ...(first ? [first] : [])]) k.withPgtable(d.domain, (x) => iommuUnmap(x, coreDomain(k.state, d.domain), dma.iova, dma.size));
}

/** VFIO_IOMMU_UNMAP_DMA: every mapping inside the range; the bytes unmapped. */
export function vfioDmaUnmap(k: KernelCtx, v: VfioState, name: string, iova: bigint, size: bigint): bigint {
  const c = v.containers.get(name);
  if (!c) return 0n;
  let n = 0n;
  for (const dma of c.dmas.filter((d) => d.iova >= iova && d.iova + d.size <= iova + size)) {
    unmapUnpin(k, c, dma);
    c.dmas.splice(c.dmas.indexOf(dma), 1);
    n += dma.size;
  }
  return n;
}

/**
 * The group leaves its container (group fd closed, VFIO_GROUP_UNSET_CONTAINER): detach_group puts
 * it in its blocking domain, and a domain left without groups goes (the last one takes every
 * mapping with it); then DMA ownership is released to the default domain, and the container
 * with no group left is released.
 */
export function vfioGroupUnsetContainer(k: KernelCtx, p: IommuPlatform, v: VfioState, device: string): Errno | null {
  const group = groupOf(k, device);
  const name = v.containerOf.get(group);
  if (name === undefined) return 'EINVAL';
  const c = v.containers.get(name)!;
  const d = c.domains.find((x) => x.groups.includes(group));
  if (d) {
    setGroupDomain(k, group, blockingDomain(k, p, group));
    d.groups.splice(d.groups.indexOf(group), 1);
    if (d.groups.length === 0) {
      if (c.domains.length === 1) for (const dma of [...c.dmas]) unmapUnpin(k, c, dma);
      if (c.domains.length === 1) c.dmas.length = 0;
      freeDomain(k, d.domain);
      c.domains.splice(c.domains.indexOf(d), 1);
    }
  }
  const def = defaultDomainOf(k, group);
  if (def !== null) setGroupDomain(k, group, def);
  c.groups.splice(c.groups.indexOf(group), 1);
  v.containerOf.delete(group);
  if (c.groups.length === 0) v.containers.delete(name);
  return null;
}
