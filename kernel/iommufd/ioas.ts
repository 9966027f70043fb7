// iommufd IO address spaces (drivers/iommu/iommufd/ioas.c, io_pagetable.c, 6.12.117): areas at a
// fixed IOVA (-EINVAL over reserved IOVA, -EEXIST over an area), at an IOVA the kernel picks
// (iopt_alloc_iova: the lowest hole from PAGE_SIZE that misses areas and reserved IOVA, aligned to
// the length's power of two and the user address), mapped into every domain of the IOAS as they
// are created, and unmaps that remove whole areas, unmapping each from every domain first.
import { type Errno, InputError, IoasAllocated, IoasAreaMapped, IoasAreaUnmapped } from '../../domain-events/index.js';
import { type KernelCtx } from '../machine/ctx.js';
import { areaIntersecting, insertArea, Iopt, type IoptArea, iovaAlignment, PAGE_SIZE, type PinnedRun, removeArea, reservedIntersecting, ULONG_MAX } from './iopt.js';
import { areaFillDomains, areaUnfillDomains } from './pages.js';

/** HPAGE_SIZE with transparent huge pages (arm64 with 4K pages, x86): iopt_alloc_iova's largest alignment */
const HPAGE_SIZE = 0x200000n;

/** IOMMU_IOAS_ALLOC; the IO page table is kept in `iopts` under the IOAS id. */
export function ioasAlloc(k: KernelCtx, iopts: Map<number, Iopt>): number {
  const ids = Object.keys(k.state.ioas.spaces).map(Number);
  const id = ids.length ? Math.max(...ids) + 1 : 1;
  k.emit(IoasAllocated.make({ ioas: id }, k.meta));
  iopts.set(id, new Iopt());
  return id;
}

export function ioptOf(iopts: Map<number, Iopt>, ioas: number): Iopt {
  const t = iopts.get(ioas);
  if (!t) throw new InputError(`ioas ${ioas} does not exist`);
  return t;
}

function roundupPow2(x: bigint): bigint {
  let p = 1n;
  while (p < x) p <<= 1n;
  return p;
}

/** 1 << __ffs64(addr) */
function lowestBit(x: bigint): bigint {
  return x & -x;
}

/** __alloc_iova_check_range: the aligned start (with the user's page offset) if the length fits. */
function checkRange(start: bigint, last: bigint, length: bigint, align: bigint, pageOffset: bigint): bigint | null {
  if (start + align - 1n > ULONG_MAX) return null;
  const aligned = ((start + align - 1n) & ~(align - 1n)) | pageOffset;
  if (aligned >= last || last - aligned < length - 1n) return null;
  return aligned;
}

/** The holes between areas and reserved IOVA within [start, last] (interval_tree_double_span_iter). */
function* holes(iopt: Iopt, start: bigint, last: bigint): Generator<[bigint, bigint]> {
  const used = [...iopt.areas.map((a) => [a.iova, a.last] as const), ...iopt.reserved.map((r) => [r.start, r.last] as const)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let at = start;
  for (const [s, l] of used) {
    if (l < at) continue;
    if (s > last) break;
    if (s > at) yield [at, s - 1n];
    if (l >= last) return;
    at = l + 1n;
  }
  yield [at, last];
}

/** iopt_alloc_iova: never IOVA 0; no allowed ranges are modelled, so the whole space is allowed. */
function ioptAllocIova(k: KernelCtx, iopt: Iopt, uptr: bigint, length: bigint): { iova: bigint } | { errno: Errno } {
  const pageOffset = uptr % PAGE_SIZE;
  if (length === 0n || length >= ULONG_MAX / 2n) return { errno: 'EOVERFLOW' };
  // keep the alignment present in the user address, which helps mapping huge pages
  let align = roundupPow2(length);
  if (uptr !== 0n && lowestBit(uptr) < align) align = lowestBit(uptr);
  if (align >= HPAGE_SIZE) align = HPAGE_SIZE;
  if (align < iovaAlignment(k, iopt)) return { errno: 'EINVAL' };
  const allowed = checkRange(PAGE_SIZE, ULONG_MAX - PAGE_SIZE, length, align, pageOffset);
  if (allowed === null) return { errno: 'ENOSPC' };
  for (const [s, l] of holes(iopt, allowed, ULONG_MAX - PAGE_SIZE)) {
    const iova = checkRange(s, l, length, align, pageOffset);
    if (iova !== null) return { iova };
  }
  return { errno: 'ENOSPC' };
}

/** iopt_check_iova: a fixed IOVA. */
function ioptCheckIova(k: KernelCtx, iopt: Iopt, iova: bigint, length: bigint): Errno | null {
  if ((iova & (iovaAlignment(k, iopt) - 1n)) !== 0n) return 'EINVAL';
  const last = iova + length - 1n;
  if (last > ULONG_MAX) return 'EOVERFLOW';
  if (reservedIntersecting(iopt, iova, last)) return 'EINVAL';
  if (areaIntersecting(iopt, iova, last)) return 'EEXIST';
  return null;
}

export interface IoasMapArgs {
  readonly length: bigint;
  /** a fixed IOVA (IOMMU_IOAS_MAP_FIXED_IOVA), else the kernel picks one */
  readonly iova: bigint | null;
  readonly uptr: bigint;
  /** IOMMU_CACHE | IOMMU_READ / IOMMU_WRITE (conv_iommu_prot) */
  readonly prot: number;
  /** the pinned pages of [uptr rounded down to a page, uptr + length rounded up) */
  readonly pages: readonly PinnedRun[];
}

function checkPages(a: IoasMapArgs): void {
  const first = a.uptr - (a.uptr % PAGE_SIZE);
  const need = ((a.uptr + a.length + PAGE_SIZE - 1n) / PAGE_SIZE) * PAGE_SIZE - first;
  let have = 0n;
  for (const r of a.pages) {
    if (r.phys % PAGE_SIZE !== 0n || r.length % PAGE_SIZE !== 0n || r.length === 0n) throw new InputError(`ioas_map: pinned pages must be whole pages (0x${r.phys.toString(16)} + 0x${r.length.toString(16)})`);
    have += r.length;
  }
  if (have !== need) throw new InputError(`ioas_map: 0x${have.toString(16)} bytes of pinned pages for 0x${need.toString(16)} bytes of user pages`);
}

/** iopt_map_user_pages → iopt_alloc_area_pages, iopt_fill_domains_pages (one area per call). */
function ioptMapUserPages(k: KernelCtx, iopt: Iopt, a: IoasMapArgs): { iova: bigint } | { errno: Errno } {
  checkPages(a);
  // iommufd_ioas_map, iopt_alloc_pages
  if ((a.iova ?? 0n) >= ULONG_MAX || a.length >= ULONG_MAX) return { errno: 'EOVERFLOW' };
  if ((a.prot & 3) === 0) return { errno: 'EINVAL' };
  if (a.length === 0n || a.length > ULONG_MAX - PAGE_SIZE) return { errno: 'EINVAL' };
  if (a.uptr + a.length > ULONG_MAX) return { errno: 'EOVERFLOW' };
  const align = iovaAlignment(k, iopt);
  if ((a.length & (align - 1n)) !== 0n) return { errno: 'EINVAL' };
  let iova: bigint;
  if (a.iova === null) {
    const r = ioptAllocIova(k, iopt, a.uptr, a.length);
    if ('errno' in r) return r;
    iova = r.iova;
  } else {
    const errno = ioptCheckIova(k, iopt, a.iova, a.length);
    if (errno) return { errno };
    iova = a.iova;
  }
  // iopt_insert_area
  const pageOffset = a.uptr % PAGE_SIZE;
  if ((pageOffset & (align - 1n)) !== 0n) return { errno: 'EINVAL' };
  const area: IoptArea = { iova, last: iova + a.length - 1n, pageOffset, prot: a.prot, runs: a.pages, storage: null };
  // the area holds its IOVA while the domains are filled; a failure takes it out again
  insertArea(iopt, area);
  const errno = areaFillDomains(k, iopt, area);
  if (errno) {
    removeArea(iopt, area);
    return { errno };
  }
  return { iova };
}

/** IOMMU_IOAS_MAP */
export function ioasMap(k: KernelCtx, iopts: Map<number, Iopt>, ioas: number, a: IoasMapArgs): { iova: bigint | null; errno: Errno | null } {
  const r = ioptMapUserPages(k, ioptOf(iopts, ioas), a);
  const errno = 'errno' in r ? r.errno : null;
  const iova = 'iova' in r ? r.iova : null;
  k.emit(IoasAreaMapped.make({ ioas, iova: iova ?? a.iova ?? 0n, length: a.length, auto: a.iova === null, errno }, k.meta));
  return { iova, errno };
}

/**
 * IOMMU_IOAS_UNMAP: iova 0 and length U64_MAX unmap everything (success on an empty IOAS);
 * otherwise iopt_unmap_iova_range walks the areas meeting the range in IOVA order, unmapping each
 * from every domain and removing it; one that sticks out is -ENOENT (those before it are already
 * gone), and nothing unmapped is -ENOENT.
 */
export function ioasUnmap(k: KernelCtx, iopts: Map<number, Iopt>, ioas: number, iova: bigint, length: bigint): { unmapped: bigint; errno: Errno | null } {
  const iopt = ioptOf(iopts, ioas);
  const all = iova === 0n && length === ULONG_MAX;
  const refuse = (errno: Errno) => {
    k.emit(IoasAreaUnmapped.make({ ioas, iova, length, unmapped: 0n, areas: 0, errno }, k.meta));
    return { unmapped: 0n, errno };
  };
  if (!all && (iova >= ULONG_MAX || length >= ULONG_MAX)) return refuse('EOVERFLOW');
  if (!all && length === 0n) return refuse('EINVAL');
  const last = all ? ULONG_MAX : iova + length - 1n;
  if (last > ULONG_MAX) return refuse('EOVERFLOW');
  let unmapped = 0n;
  let n = 0;
  let cut: IoptArea | undefined;
  for (const a of iopt.areas.filter((x) => x.iova <= last && iova <= x.last)) {
    if (a.iova < iova || a.last > last) {
      cut = a;
      break;
    }
    areaUnfillDomains(k, iopt, a);
    removeArea(iopt, a);
    unmapped += a.last - a.iova + 1n;
    n++;
  }
  // the areas removed before a cut one stay removed: record them as their own unmap
  if (cut && unmapped > 0n) k.emit(IoasAreaUnmapped.make({ ioas, iova, length: cut.iova - iova, unmapped, areas: n, errno: null }, k.meta));
  const errno: Errno | null = cut || (unmapped === 0n && !all) ? 'ENOENT' : null;
  k.emit(IoasAreaUnmapped.make({ ioas, iova, length, unmapped: errno ? 0n : unmapped, areas: errno ? 0 : n, errno }, k.meta));
  return { unmapped: errno ? 0n : unmapped, errno };
}
