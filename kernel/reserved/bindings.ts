// iommu_get_reserved_iova / iommu_put_reserved_iova / iommu_unmap_reserved (2016
// dma-reserved-iommu series, reference §3): doorbell pages bound into the reserved window,
// refcounted per physical range, released on the last put or all at once at VFIO release.
// v6 (variant B): put by IOVA (translated back with iommu_iova_to_phys); v7 (variant C): the
// window has its own prot, put by physical address.
import { type Errno, MsiPageGot, MsiPagePut } from '../../domain-events/index.js';
import { type CookieState, translate } from '../../reducers/index.js';
import { iommuMap, iommuUnmap } from '../core/iommu-map.js';
import { coreDomain } from '../dma/core-domain.js';
import { allocIova, findIova, freeIova } from '../iova/index.js';
import { type KernelCtx } from '../machine/ctx.js';
import { IOMMU_READ, IOMMU_WRITE } from '../pgtable/arm-lpae-pte.js';
import { type BindingIndex, bindingIndex, type ReservedBinding } from './binding-index.js';
import { windowTopPfn } from './window.js';

export interface ReservedGet {
  readonly iova: bigint | null;
  readonly errno: Errno | null;
}

function reservedCookie(k: KernelCtx, domain: number): CookieState | undefined {
  const c = k.state.cookies.byDomain[domain];
  return c?.kind === 'reserved' ? c : undefined;
}

function granuleOf(k: KernelCtx, domain: number): bigint {
  return BigInt(k.state.iova.domains.get(domain)?.granule ?? 4096);
}

function indexOf(k: KernelCtx, domain: number, c: CookieState): BindingIndex {
  const iovad = k.state.iova.domains.get(domain);
  const g = granuleOf(k, domain);
  const sizeOf = (iova: bigint) => {
    const n = iovad ? findIova(iovad, Number(iova / g)) : null;
    return n ? BigInt(n.pfnHi - n.pfnLo + 1) * g : g;
  };
  return bindingIndex(k.profile.msi.reservedIndex, c.msiPages, sizeOf);
}

/** iommu_get_reserved_iova(domain, addr, size, prot, &iova) */
export function iommuGetReservedIova(k: KernelCtx, domain: number, device: string | null, addr: bigint, size: bigint, prot: number): ReservedGet {
  const c = reservedCookie(k, domain);
  if (!c) return { iova: null, errno: 'EINVAL' };
  const wp = c.windowProt ?? null;
  // v7: a get asking for READ or WRITE the window does not allow is refused
  if (k.profile.msi.reservedPutKey === 'phys' && wp !== null && (prot & (IOMMU_READ | IOMMU_WRITE) & ~wp) !== 0) return { iova: null, errno: 'EINVAL' };
  const g = granuleOf(k, domain);
  const aligned = addr - (addr % g);
  const offset = addr - aligned;
  const pages = (addr + size - 1n) / g - addr / g + 1n;
  const bsize = pages * g;
  const found = indexOf(k, domain, c).find(aligned, bsize);
  if (found) {
    const refcount = found.refcount + 1;
    k.emit(MsiPageGot.make({ domain, device, doorbell: found.addr, iova: found.iova, cookie: 'reserved', reused: true, refcount }, k.meta));
    return { iova: found.iova + (aligned - found.addr) + offset, errno: null };
  }
  const top = windowTopPfn(k, domain)!;
  // alloc_iova(window, n_pages, window top, size_aligned = true): top-down inside the window
  const pfn = k.withIova(domain, (x) => allocIova(x, Number(pages), top, true));
  if (pfn === null) return { iova: null, errno: 'ENOMEM' };
  const iova = BigInt(pfn) * g;
  const r = k.withPgtable(domain, (x) => iommuMap(x, coreDomain(k.state, domain), iova, aligned, bsize, prot));
  if (r.errno) {
    // v7: a failed map frees the IOVA and returns the map error
    k.withIova(domain, (x) => freeIova(x, pfn));
    return { iova: null, errno: r.errno };
  }
  k.emit(MsiPageGot.make({ domain, device, doorbell: aligned, iova, cookie: 'reserved', reused: false, refcount: 1 }, k.meta));
  return { iova: iova + offset, errno: null };
}

/** Last put / bulk teardown: unmap the binding, free its IOVA, unlink it. */
function releaseBinding(k: KernelCtx, domain: number, b: ReservedBinding): void {
  k.withPgtable(domain, (x) => iommuUnmap(x, coreDomain(k.state, domain), b.iova, b.size));
  k.withIova(domain, (x) => freeIova(x, Number(b.iova / granuleOf(k, domain))));
  k.emit(MsiPagePut.make({ domain, doorbell: b.addr, iova: b.iova, refcount: 0, released: true }, k.meta));
}

/**
 * iommu_put_reserved_iova: v6 takes the IOVA the get returned and translates it back with
 * iommu_iova_to_phys; v7 takes the physical address. An unknown binding is ignored.
 */
export function iommuPutReservedIova(k: KernelCtx, domain: number, key: { phys: bigint } | { iova: bigint }): boolean {
  const c = reservedCookie(k, domain);
  if (!c) return false;
  let phys: bigint | null;
  if ('phys' in key) phys = key.phys;
  else {
    const pt = k.state.pageTables.domains.get(domain);
    phys = pt ? translate(pt.runs, key.iova) : null;
  }
  if (phys === null) return false;
  const g = granuleOf(k, domain);
  const b = indexOf(k, domain, c).find(phys - (phys % g), 1n);
  if (!b) return false;
  if (b.refcount > 1) {
    k.emit(MsiPagePut.make({ domain, doorbell: b.addr, iova: b.iova, refcount: b.refcount - 1, released: false }, k.meta));
    return false;
  }
  releaseBinding(k, domain, b);
  return true;
}

/** iommu_unmap_reserved: every binding goes, whatever its refcount (VFIO type1 release). */
export function iommuUnmapReserved(k: KernelCtx, domain: number): number {
  const c = reservedCookie(k, domain);
  if (!c) return 0;
  const all = indexOf(k, domain, c).all();
  for (const b of all) releaseBinding(k, domain, b);
  return all.length;
}
