// dma-iommu cookies (drivers/iommu/dma-iommu.c: iommu_get_dma_cookie, iommu_get_msi_cookie,
// iommu_put_dma_cookie, iommu_dma_init_domain).
import { defineEvent, type EventOfDef } from '../define.js';
import { errnoField } from '../errno.js';
import { bool, int, u64 } from '../schema.js';

export const DmaCookieGot = defineEvent(
  'DmaCookieGot',
  1,
  { domain: int, errno: errnoField },
  'iommu_get_dma_cookie: the domain got an IOVA cookie (-EEXIST if it had one)',
);

export const MsiCookieGot = defineEvent(
  'MsiCookieGot',
  1,
  { domain: int, base: u64, errno: errnoField },
  'iommu_get_msi_cookie: MSI-only cookie with a bump pointer from base (-EINVAL unless UNMANAGED)',
);

export const CookiePut = defineEvent(
  'CookiePut',
  1,
  { domain: int },
  'iommu_put_dma_cookie: the cookie, its iova_domain, flush queue and MSI page list are gone (nothing unmapped)',
);

export const IovaDomainInitialised = defineEvent(
  'IovaDomainInitialised',
  1,
  {
    domain: int,
    granule: int,
    startPfn: int,
    dma32bitPfn: int,
    /** possible CPUs with per-CPU range caches; 0 when rcaches are not set up */
    cpus: int,
    rcaches: bool,
    errno: errnoField,
  },
  'init_iova_domain (+ iova_domain_init_rcaches), as iommu_dma_init_domain does it',
);

export const IovaDomainPut = defineEvent(
  'IovaDomainPut',
  1,
  { domain: int },
  'put_iova_domain: every range and the rcaches dropped, nothing traced',
);

export type DmaCookieGot = EventOfDef<typeof DmaCookieGot>;
export type MsiCookieGot = EventOfDef<typeof MsiCookieGot>;
export type CookiePut = EventOfDef<typeof CookiePut>;
export type IovaDomainInitialised = EventOfDef<typeof IovaDomainInitialised>;
export type IovaDomainPut = EventOfDef<typeof IovaDomainPut>;
