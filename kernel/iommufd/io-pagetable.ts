// The domains of an IO page table (drivers/iommu/iommufd/io_pagetable.c, 6.12.117): a domain added
// to an IOAS is filled with every area it already has and reserves the IOVA outside its aperture;
// a domain removed from it is emptied first; a device attached through it reserves its reserved
// regions in the IOAS, so no area can be mapped over them.
import { type Errno } from '../../domain-events/index.js';
import { type KernelCtx } from '../machine/ctx.js';
import { domainPageSize, type Iopt, iovaAlignment, ioptRemoveReservedIova, ioptReserveIova, PAGE_SIZE, ULONG_MAX } from './iopt.js';
import { areaFillDomain, areaUnfillDomain, areaUnmapDomain } from './pages.js';

/**
 * iopt_fill_domain: every area, in IOVA order, into the new domain; on a failure the areas before
 * it are unfilled again and the domain is left empty.
 */
function ioptFillDomain(k: KernelCtx, iopt: Iopt, domain: number): Errno | null {
  for (const [i, area] of iopt.areas.entries()) {
    const errno = areaFillDomain(k, area, domain);
    if (errno) {
      for (const done of iopt.areas.slice(0, i)) {
        if (iopt.domains.length === 0) done.storage = null;
        areaUnfillDomain(k, done, domain);
      }
      return errno;
    }
    // the first domain of the table holds the PFNs of areas mapped while it had none
    if (area.storage === null) area.storage = domain;
  }
  return null;
}

/** iopt_check_iova_alignment: every area conforms to a larger alignment, else -EADDRINUSE. */
function checkIovaAlignment(iopt: Iopt, align: bigint): Errno | null {
  const mask = align - 1n;
  for (const a of iopt.areas) if ((a.iova & mask) !== 0n || ((a.last - a.iova + 1n) & mask) !== 0n || (a.pageOffset & mask) !== 0n) return 'EADDRINUSE';
  return null;
}

/** iopt_table_add_domain */
export function ioptTableAddDomain(k: KernelCtx, iopt: Iopt, domain: number): Errno | null {
  if (iopt.domains.includes(domain)) {
    k.warn++;
    return 'EEXIST';
  }
  // a domain must accept PAGE_SIZE: iopt_pages works in PAGE_SIZE units
  const cur = iovaAlignment(k, iopt);
  const align = domainPageSize(k, domain) > cur ? domainPageSize(k, domain) : cur;
  if (align > PAGE_SIZE) return 'EINVAL';
  if (align !== cur) {
    const errno = checkIovaAlignment(iopt, align);
    if (errno) return errno;
  }
  const d = k.state.topology.domains[domain];
  const owner = `domain:${domain}` as const;
  // no area may exist outside the domain's aperture
  let errno: Errno | null = null;
  if (d.apertureStart !== 0n) errno = ioptReserveIova(iopt, 0n, d.apertureStart - 1n, owner);
  if (!errno && d.apertureEnd !== ULONG_MAX) errno = ioptReserveIova(iopt, d.apertureEnd + 1n, ULONG_MAX, owner);
  if (!errno) errno = ioptFillDomain(k, iopt, domain);
  if (errno) {
    ioptRemoveReservedIova(iopt, owner);
    return errno;
  }
  iopt.domains.push(domain);
  return null;
}

/**
 * iopt_unfill_domain: with other domains left, the areas this one stored move to the first of
 * them and each area is unmapped with one call; the last domain unfills (and unpins) batch by batch.
 */
function ioptUnfillDomain(k: KernelCtx, iopt: Iopt, domain: number): void {
  if (iopt.domains.length !== 0) {
    const storage = iopt.domains[0];
    for (const area of iopt.areas) {
      if (area.storage === domain) area.storage = storage;
      areaUnmapDomain(k, area, domain);
    }
    return;
  }
  for (const area of iopt.areas) {
    if (area.storage !== domain) k.warn++;
    area.storage = null;
    areaUnfillDomain(k, area, domain);
  }
}

/**
 * iopt_table_remove_domain: the xarray is kept dense by moving its tail entry into the hole, then
 * every area is unmapped from the domain and its aperture reservations go.
 */
export function ioptTableRemoveDomain(k: KernelCtx, iopt: Iopt, domain: number): void {
  const index = iopt.domains.indexOf(domain);
  if (index === -1) {
    k.warn++;
    return;
  }
  const tail = iopt.domains.pop()!;
  if (index !== iopt.domains.length) iopt.domains[index] = tail;
  ioptUnfillDomain(k, iopt, domain);
  ioptRemoveReservedIova(iopt, `domain:${domain}`);
}

/** The kinds iommu_get_resv_regions reports for a device (the host-bridge windows are dma-iommu's own). */
const RESV_KINDS = new Set(['direct', 'direct-relaxable', 'reserved', 'msi', 'sw-msi']);

/**
 * iopt_table_enforce_dev_resv_regions: each of the device's reserved regions but the relaxable
 * direct ones becomes reserved IOVA owned by the device (-EADDRINUSE over an area, every range of
 * the device dropped again); a driver offering both kinds of MSI window, or two software ones, is a
 * WARN and -EINVAL.
 */
export function ioptTableEnforceDevResvRegions(k: KernelCtx, iopt: Iopt, device: string): Errno | null {
  const owner = `dev:${device}` as const;
  let sw = 0;
  let hw = 0;
  for (const r of k.state.topology.regions) {
    if (r.device !== device || !RESV_KINDS.has(r.kind) || r.kind === 'direct-relaxable') continue;
    if (r.kind === 'msi') hw++;
    if (r.kind === 'sw-msi') sw++;
    const errno = ioptReserveIova(iopt, r.start, r.end, owner);
    if (errno) {
      ioptRemoveReservedIova(iopt, owner);
      return errno;
    }
  }
  if ((sw && hw) || sw > 1) {
    k.warn++;
    ioptRemoveReservedIova(iopt, owner);
    return 'EINVAL';
  }
  return null;
}
