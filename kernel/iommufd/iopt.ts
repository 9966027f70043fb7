// The kernel side of an iommufd IO page table (drivers/iommu/iommufd/io_pagetable.h struct
// io_pagetable, 6.12.117) that no trace event carries: the domains xarray in index order, the
// reserved interval tree with each range's owner, and every area's pinned pages. It is kept beside
// the model, as VFIO's dma_list is (machine/vfio.ts); the areas' IOVA ranges are also in the state
// (reducers/ioas.ts, folded from IoasAreaMapped / IoasAreaUnmapped).
import { type Errno } from '../../domain-events/index.js';
import { type KernelCtx } from '../machine/ctx.js';

export const PAGE_SIZE = 0x1000n;
export const ULONG_MAX = (1n << 64n) - 1n;

/** Physically contiguous user pages, as pin_user_pages() handed them over (page aligned). */
export interface PinnedRun {
  readonly phys: bigint;
  readonly length: bigint;
}

export interface IoptArea {
  readonly iova: bigint;
  /** inclusive, as the interval tree keeps it */
  readonly last: bigint;
  /** area->page_offset: the user address's offset in its first page */
  readonly pageOffset: bigint;
  /** area->iommu_prot */
  readonly prot: number;
  /** the pinned pages behind the area, in IOVA order */
  readonly runs: readonly PinnedRun[];
  /** area->storage_domain: the domain its PFNs are read back from; null while no domain holds them */
  storage: number | null;
}

/** An owner of reserved IOVA: a device (its reserved regions) or a domain (outside its aperture). */
export type ResvOwner = `dev:${string}` | `domain:${number}`;

export interface IoptReserved {
  readonly start: bigint;
  readonly last: bigint;
  readonly owner: ResvOwner;
}

export class Iopt {
  /** iopt->domains, by index: iopt_table_remove_domain moves the tail entry into the hole */
  readonly domains: number[] = [];
  /** iopt->reserved_itree */
  readonly reserved: IoptReserved[] = [];
  /** iopt->area_itree, by IOVA */
  readonly areas: IoptArea[] = [];
}

/** The smallest page size of a domain: 1 << __ffs(pgsize_bitmap). */
export function domainPageSize(k: KernelCtx, domain: number): bigint {
  const bitmap = k.state.topology.domains[domain]?.pgsizeBitmap ?? PAGE_SIZE;
  return bitmap & -bitmap;
}

/**
 * iopt->iova_alignment: 1 for a table with no domain (iopt_init_table), else the largest smallest
 * page size of its domains (iopt_calculate_iova_alignment; large pages are never disabled here).
 */
export function iovaAlignment(k: KernelCtx, iopt: Iopt): bigint {
  let a = 1n;
  for (const d of iopt.domains) if (domainPageSize(k, d) > a) a = domainPageSize(k, d);
  return a;
}

export function areaIntersecting(iopt: Iopt, start: bigint, last: bigint): IoptArea | undefined {
  return iopt.areas.find((a) => a.iova <= last && start <= a.last);
}

export function reservedIntersecting(iopt: Iopt, start: bigint, last: bigint): IoptReserved | undefined {
  return iopt.reserved.find((r) => r.start <= last && start <= r.last);
}

/** iopt_reserve_iova: -EADDRINUSE over an area (no allowed ranges are modelled). */
export function ioptReserveIova(iopt: Iopt, start: bigint, last: bigint, owner: ResvOwner): Errno | null {
  if (areaIntersecting(iopt, start, last)) return 'EADDRINUSE';
  iopt.reserved.push({ start, last, owner });
  return null;
}

/** __iopt_remove_reserved_iova: every range of that owner. */
export function ioptRemoveReservedIova(iopt: Iopt, owner: ResvOwner): void {
  for (let i = iopt.reserved.length - 1; i >= 0; i--) if (iopt.reserved[i].owner === owner) iopt.reserved.splice(i, 1);
}

export function insertArea(iopt: Iopt, area: IoptArea): void {
  const at = iopt.areas.findIndex((a) => a.iova > area.iova);
  iopt.areas.splice(at === -1 ? iopt.areas.length : at, 0, area);
}

export function removeArea(iopt: Iopt, area: IoptArea): void {
  iopt.areas.splice(iopt.areas.indexOf(area), 1);
}
