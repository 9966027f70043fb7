// dma-iommu cookies (dma-iommu.c, 6.1/6.12): a DMA cookie holds an iova_domain, an MSI cookie
// only a bump pointer for doorbells; at most one per domain.
import { CookiePut, DmaCookieGot, type DomainType, type Errno, MsiCookieGot } from '../../domain-events/index.js';
import { type KernelCtx } from '../machine/ctx.js';

/** iommu_get_dma_cookie: -EEXIST when the domain already has a cookie. */
export function iommuGetDmaCookie(k: KernelCtx, domain: number): Errno | null {
  const errno = k.state.cookies.byDomain[domain] ? 'EEXIST' : null;
  k.emit(DmaCookieGot.make({ domain, errno }, k.meta));
  return errno;
}

/** iommu_get_msi_cookie: -EINVAL unless UNMANAGED (checked first), -EEXIST when a cookie exists. */
export function iommuGetMsiCookie(k: KernelCtx, domain: number, base: bigint): Errno | null {
  const type: DomainType | undefined = k.state.topology.domains[domain]?.type;
  const errno = type !== 'UNMANAGED' ? 'EINVAL' : k.state.cookies.byDomain[domain] ? 'EEXIST' : null;
  k.emit(MsiCookieGot.make({ domain, base, errno }, k.meta));
  return errno;
}

/**
 * iommu_put_dma_cookie: the iova_domain and flush queue go (queued IOVAs are not returned) and the
 * MSI page records are freed without unmapping anything: the domain is going away.
 */
export function iommuPutDmaCookie(k: KernelCtx, domain: number): void {
  if (!k.state.cookies.byDomain[domain]) return;
  k.emit(CookiePut.make({ domain }, k.meta));
}
