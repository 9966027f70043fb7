// dma-iommu cookies (dma-iommu.c, 6.1/6.12/7.3.4): a DMA cookie holds an iova_domain, an MSI
// cookie only a bump pointer for doorbells; at most one per domain. 7.3.4 keeps the owner of a
// domain's user data in domain->cookie_type, so an iommufd hwpt or an SVA domain has one too.
import { CookiePut, DmaCookieGot, type DomainType, type Errno, MsiCookieGot } from '../../domain-events/index.js';
import { type KernelCtx } from '../machine/ctx.js';

/** The domain's cookie slot is taken: a DMA or MSI cookie, or (cookie_type) another owner's data. */
function cookieTaken(k: KernelCtx, domain: number): boolean {
  if (k.state.cookies.byDomain[domain]) return true;
  if (k.profile.cookieModel !== 'cookie-type') return false;
  const d = k.state.topology.domains[domain];
  // iommufd/hw_pagetable.c (7.3.4): cookie_type = IOMMU_COOKIE_IOMMUFD when the hwpt is allocated;
  // iommu-sva.c (7.3.4): IOMMU_COOKIE_SVA
  return d?.owner === 'iommufd' || d?.type === 'SVA';
}

/** iommu_get_dma_cookie: -EEXIST when the domain already has a cookie (7.3.4: cookie_type != NONE). */
export function iommuGetDmaCookie(k: KernelCtx, domain: number): Errno | null {
  const errno = cookieTaken(k, domain) ? 'EEXIST' : null;
  k.emit(DmaCookieGot.make({ domain, errno }, k.meta));
  return errno;
}

/** iommu_get_msi_cookie: -EINVAL unless UNMANAGED (checked first), -EEXIST when a cookie exists (7.3.4: cookie_type != NONE). */
export function iommuGetMsiCookie(k: KernelCtx, domain: number, base: bigint): Errno | null {
  const type: DomainType | undefined = k.state.topology.domains[domain]?.type;
  const errno = type !== 'UNMANAGED' ? 'EINVAL' : cookieTaken(k, domain) ? 'EEXIST' : null;
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
