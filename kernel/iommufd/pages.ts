// An area's pinned pages going into and out of the domains of its IO page table
// (drivers/iommu/iommufd/pages.c, 6.12.117). The PFNs travel in batches: an entry per run of
// contiguous PFNs (batch_add_pfn), at most TEMP_MEMORY_LIMIT bytes of entries per batch, and
// batch_to_domain maps each entry with one iommu_map, so the domain's page-size splitting
// (iommu_pgsize) sees whole runs. The page-table writes go through core/iommu-map.ts. pages.c and
// io_pagetable.c of 7.3.4 do the same for user memory (their additions are dma-buf areas).
import { type Errno } from '../../domain-events/index.js';
import { iommuMap, iommuUnmap } from '../core/iommu-map.js';
import { coreDomain } from '../dma/core-domain.js';
import { type KernelCtx } from '../machine/ctx.js';
import { type Iopt, type IoptArea, PAGE_SIZE, type PinnedRun } from './iopt.js';

/** pages.c TEMP_MEMORY_LIMIT: the batch array's allocation is capped at 64 KiB */
const TEMP_MEMORY_LIMIT = 65536n;
/** __batch_init: an unsigned long pfn and a u32 count per entry */
export const BATCH_MAX_RUNS = TEMP_MEMORY_LIMIT / 12n;
/** batch_add_pfn: npfns is a u32 */
const MAX_NPFNS = 0xffffffffn;

/** One pfn_batch: its first page index in the area and its entries. */
export interface PfnBatch {
  readonly startIndex: bigint;
  readonly runs: readonly PinnedRun[];
  readonly pages: bigint;
}

/** iopt_area_last_index, relative to the area's first page */
export function areaLastIndex(area: IoptArea): bigint {
  return (area.pageOffset + area.last - area.iova) / PAGE_SIZE;
}

/** iopt_area_index_to_iova */
function indexToIova(area: IoptArea, index: bigint): bigint {
  return index === 0n ? area.iova : area.iova - area.pageOffset + index * PAGE_SIZE;
}

/** iopt_area_index_to_iova_last */
function indexToIovaLast(area: IoptArea, index: bigint): bigint {
  return index === areaLastIndex(area) ? area.last : area.iova - area.pageOffset + (index + 1n) * PAGE_SIZE - 1n;
}

/**
 * The batches a pfn_reader (or batch_from_domain) fills over the area's first `pageCount` pages:
 * contiguous PFNs join the last entry up to U32_MAX pages; a new entry when the array is full
 * ends the batch. The reader's array is min(npages, 64 KiB / 12) entries (batch_init), the unfill's
 * 21 on the stack for a small area (batch_init_backup): never fewer entries than the area has runs.
 */
export function pfnBatches(area: IoptArea, pageCount = areaLastIndex(area) + 1n): PfnBatch[] {
  const out: PfnBatch[] = [];
  let runs: { phys: bigint; length: bigint }[] = [];
  let startIndex = 0n;
  let pages = 0n;
  let left = pageCount;
  for (const r of area.runs) {
    let phys = r.phys;
    let n = r.length / PAGE_SIZE;
    while (n > 0n && left > 0n) {
      const end = runs.at(-1);
      let take: bigint;
      if (end && end.phys + end.length === phys && end.length / PAGE_SIZE < MAX_NPFNS) {
        take = [n, left, MAX_NPFNS - end.length / PAGE_SIZE].reduce((a, b) => (a < b ? a : b));
        end.length += take * PAGE_SIZE;
      } else {
        if (BigInt(runs.length) === BATCH_MAX_RUNS) {
          out.push({ startIndex, runs, pages });
          [startIndex, runs, pages] = [startIndex + pages, [], 0n];
        }
        take = [n, left, MAX_NPFNS].reduce((a, b) => (a < b ? a : b));
        runs.push({ phys, length: take * PAGE_SIZE });
      }
      pages += take;
      phys += take * PAGE_SIZE;
      n -= take;
      left -= take;
    }
  }
  if (runs.length) out.push({ startIndex, runs, pages });
  return out;
}

/** iommu_unmap_nofail: anything but the exact size is a WARN */
function iommuUnmapNofail(k: KernelCtx, domain: number, iova: bigint, size: bigint): void {
  const n = k.withPgtable(domain, (c) => iommuUnmap(c, coreDomain(k.state, domain), iova, size));
  if (n !== size) k.warn++;
}

/** iopt_area_unmap_domain_range: one iommu_unmap from the first index's IOVA to the last's. */
function unmapDomainRange(k: KernelCtx, domain: number, area: IoptArea, startIndex: bigint, lastIndex: bigint): void {
  const start = indexToIova(area, startIndex);
  iommuUnmapNofail(k, domain, start, indexToIovaLast(area, lastIndex) - start + 1n);
}

/** batch_to_domain: one iommu_map per entry; a failure unmaps what this batch mapped. */
function batchToDomain(k: KernelCtx, domain: number, area: IoptArea, batch: PfnBatch): Errno | null {
  let pageOffset = batch.startIndex === 0n ? area.pageOffset : 0n;
  const start = indexToIova(area, batch.startIndex);
  let iova = start;
  for (const r of batch.runs) {
    const limit = iova + r.length - pageOffset;
    const next = limit < area.last + 1n ? limit : area.last + 1n;
    const paddr = r.phys + pageOffset;
    const out = k.withPgtable(domain, (c) => iommuMap(c, coreDomain(k.state, domain), iova, paddr, next - iova, area.prot));
    if (out.errno) {
      if (iova !== start) iommuUnmapNofail(k, domain, start, iova - start);
      return out.errno;
    }
    iova = next;
    pageOffset = 0n;
  }
  return null;
}

/**
 * __iopt_area_unfill_domain with no access holding pages: the PFNs are read back from the domain
 * batch by batch and each batch's span is unmapped with one call. The model reads the area's own
 * pages, which are what the domain holds there.
 */
function unfillDomainTo(k: KernelCtx, area: IoptArea, domain: number, lastIndex: bigint): void {
  for (const b of pfnBatches(area, lastIndex + 1n)) unmapDomainRange(k, domain, area, b.startIndex, b.startIndex + b.pages - 1n);
}

/** iopt_area_unfill_partial_domain: the pages before end_index. */
function unfillPartialDomain(k: KernelCtx, area: IoptArea, domain: number, endIndex: bigint): void {
  if (endIndex !== 0n) unfillDomainTo(k, area, domain, endIndex - 1n);
}

/** iopt_area_unfill_domain: unmap the whole area from one domain, batch by batch. */
export function areaUnfillDomain(k: KernelCtx, area: IoptArea, domain: number): void {
  unfillDomainTo(k, area, domain, areaLastIndex(area));
}

/** iopt_area_unmap_domain: another domain still holds the PFNs, one unmap of the whole area. */
export function areaUnmapDomain(k: KernelCtx, area: IoptArea, domain: number): void {
  iommuUnmapNofail(k, domain, area.iova, area.last - area.iova + 1n);
}

/** iopt_area_fill_domain: map the area into one new domain; on failure the domain is left as it was. */
export function areaFillDomain(k: KernelCtx, area: IoptArea, domain: number): Errno | null {
  for (const b of pfnBatches(area)) {
    const errno = batchToDomain(k, domain, area, b);
    if (errno) {
      unfillPartialDomain(k, area, domain, b.startIndex);
      return errno;
    }
  }
  return null;
}

/**
 * iopt_area_fill_domains: each batch goes into every domain in index order before the next batch
 * is read. On a failure every domain is left unchanged: those before the failing one lose this
 * batch and the earlier ones, the rest the earlier ones; the last domain unpins, so it is
 * unfilled batch by batch, the others with one unmap each.
 */
export function areaFillDomains(k: KernelCtx, iopt: Iopt, area: IoptArea): Errno | null {
  if (iopt.domains.length === 0) return null;
  for (const b of pfnBatches(area)) {
    for (let index = 0; index < iopt.domains.length; index++) {
      const errno = batchToDomain(k, iopt.domains[index], area, b);
      if (!errno) continue;
      const doneFirstEnd = b.startIndex + b.pages;
      iopt.domains.forEach((d, i) => {
        const end = i < index ? doneFirstEnd : b.startIndex;
        if (i !== iopt.domains.length - 1) {
          if (end !== 0n) unmapDomainRange(k, d, area, 0n, end - 1n);
        } else unfillPartialDomain(k, area, d, end);
      });
      return errno;
    }
  }
  area.storage = iopt.domains[0];
  return null;
}

/** iopt_area_unfill_domains: every other domain unmapped whole, in index order, then the storage domain. */
export function areaUnfillDomains(k: KernelCtx, iopt: Iopt, area: IoptArea): void {
  const storage = area.storage;
  if (storage === null) return;
  for (const d of iopt.domains) if (d !== storage) unmapDomainRange(k, d, area, 0n, areaLastIndex(area));
  areaUnfillDomain(k, area, storage);
  area.storage = null;
}
