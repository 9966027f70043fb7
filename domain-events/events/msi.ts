// MSI doorbells (dma-iommu.c iommu_dma_get_msi_page / iommu_dma_prepare_msi; the 2016
// dma-reserved-iommu series; iommufd sw_msi).
import { defineEvent, type EventOfDef } from '../define.js';
import { bool, int, oneOf, opt, str, u64 } from '../schema.js';

export const MSI_COOKIE_KINDS = ['dma', 'msi', 'iommufd', 'reserved'] as const;

export const MsiPageGot = defineEvent(
  'MsiPageGot',
  1,
  {
    domain: int,
    device: opt(str),
    /** physical doorbell page (msi_addr rounded down to the MSI granule) */
    doorbell: u64,
    iova: u64,
    cookie: oneOf(...MSI_COOKIE_KINDS),
    /** found in the cookie's list (no new mapping) */
    reused: bool,
    /** bindings refcount after the get (reserved series); 0 where the kernel keeps none */
    refcount: int,
  },
  'a doorbell page is reachable at iova in the domain',
);

export const MsiPagePut = defineEvent(
  'MsiPagePut',
  1,
  { domain: int, doorbell: u64, iova: u64, refcount: int, released: bool },
  'a doorbell binding reference dropped (2016 reserved-IOVA series); released = unmapped and freed',
);

export const MsiUntranslated = defineEvent(
  'MsiUntranslated',
  1,
  { device: str, doorbell: u64, domain: opt(int), reason: str },
  'iommu_dma_prepare_msi: no cookie in the device domain, the doorbell address is used as is',
);

export const MsiCookieIovaMoved = defineEvent(
  'MsiCookieIovaMoved',
  1,
  { domain: int, iova: u64, size: u64, next: u64 },
  'the MSI cookie bump pointer handed out (or took back) [iova, iova+size); next free is `next`',
);

export type MsiPageGot = EventOfDef<typeof MsiPageGot>;
export type MsiPagePut = EventOfDef<typeof MsiPagePut>;
export type MsiUntranslated = EventOfDef<typeof MsiUntranslated>;
export type MsiCookieIovaMoved = EventOfDef<typeof MsiCookieIovaMoved>;
