// iommu_alloc_reserved_iova_domain / iommu_free_reserved_iova_domain (2016 dma-reserved-iommu
// series, reference §3): a private iova_domain covering the window user space registered.
import { type Errno, IovaDomainInitialised, IovaDomainPut, ReservedIovaDomainAllocated, ReservedIovaDomainFreed } from '../../domain-events/index.js';
import { type KernelCtx } from '../machine/ctx.js';

export interface WindowArgs {
  readonly domain: number;
  readonly iova: bigint;
  readonly size: bigint;
  readonly order: number;
  readonly prot: number;
}

export function allocReservedIovaDomain(k: KernelCtx, a: WindowArgs): Errno | null {
  const granule = 1n << BigInt(a.order);
  let errno: Errno | null = null;
  // "-EINVAL if iova or size is not granule-aligned or size == 0"
  if (a.size === 0n || a.iova % granule !== 0n || a.size % granule !== 0n) errno = 'EINVAL';
  // one window per domain; the model keys a window's iova_domain by its iommu_domain, so a domain
  // that already carries any cookie (a DMA domain) cannot take one either
  else if (k.state.cookies.byDomain[a.domain] || k.state.iova.domains.has(a.domain)) errno = 'EEXIST';
  k.emit(ReservedIovaDomainAllocated.make({ domain: a.domain, iova: a.iova, size: a.size, order: a.order, prot: a.prot, errno }, k.meta));
  if (errno) return errno;
  // 4-argument init_iova_domain of that era: start_pfn = iova >> order, pfn_32bit = window top
  const startPfn = Number(a.iova >> BigInt(a.order));
  const topPfn = Number((a.iova + a.size - 1n) >> BigInt(a.order));
  k.emit(IovaDomainInitialised.make({ domain: a.domain, granule: Number(granule), startPfn, dma32bitPfn: topPfn + 1, cpus: 0, rcaches: false, errno: null }, k.meta));
  return null;
}

/** The window's top pfn: every reserved allocation is limited to it. */
export function windowTopPfn(k: KernelCtx, domain: number): number | null {
  const d = k.state.iova.domains.get(domain);
  return d ? d.dma32bitPfn - 1 : null;
}

export function freeReservedIovaDomain(k: KernelCtx, domain: number): void {
  if (k.state.cookies.byDomain[domain]?.kind !== 'reserved') return;
  k.emit(IovaDomainPut.make({ domain }, k.meta), ReservedIovaDomainFreed.make({ domain }, k.meta));
}
