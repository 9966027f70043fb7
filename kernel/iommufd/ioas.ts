// iommufd IO address spaces (drivers/iommu/iommufd/io_pagetable.c, 6.2+): areas at a fixed IOVA
// (-EEXIST on any overlap), at an IOVA the kernel picks (iopt_alloc_iova: lowest hole, aligned to
// the length's power of two and the user address), and unmaps that only remove whole areas.
import { type Errno, IoasAllocated, IoasAreaMapped, IoasAreaUnmapped } from '../../domain-events/index.js';
import { type IoasArea } from '../../reducers/index.js';
import { type KernelCtx } from '../machine/ctx.js';

const PAGE_SIZE = 4096n;
const U64_MAX = (1n << 64n) - 1n;

export function ioasAlloc(k: KernelCtx): number {
  const ids = Object.keys(k.state.ioas.spaces).map(Number);
  const id = ids.length ? Math.max(...ids) + 1 : 1;
  k.emit(IoasAllocated.make({ ioas: id }, k.meta));
  return id;
}

function areasOf(k: KernelCtx, ioas: number): readonly IoasArea[] {
  const s = k.state.ioas.spaces[ioas];
  if (!s) throw new Error(`ioas ${ioas} does not exist`);
  return s.areas;
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

/** iopt_alloc_iova: the first hole from 0 that holds [iova, iova+length) at the alignment. */
function iopAllocIova(areas: readonly IoasArea[], length: bigint, uptr: bigint): bigint | null {
  // keep the alignment present in the user address, which helps mapping huge pages
  let align = roundupPow2(length);
  if (uptr !== 0n && lowestBit(uptr) < align) align = lowestBit(uptr);
  if (align < PAGE_SIZE) align = PAGE_SIZE;
  let holeStart = 0n;
  for (const a of [...areas, { iova: U64_MAX + 1n, last: U64_MAX, seq: -1 }]) {
    const start = ((holeStart + align - 1n) / align) * align;
    if (start + length - 1n < a.iova) return start;
    holeStart = a.last + 1n;
  }
  return null;
}

/** IOMMU_IOAS_MAP: fixed (iova given) or automatic placement. */
export function ioasMap(k: KernelCtx, ioas: number, length: bigint, at: { iova: bigint } | { uptr: bigint }): { iova: bigint | null; errno: Errno | null } {
  const areas = areasOf(k, ioas);
  const auto = !('iova' in at);
  let iova: bigint | null = 'iova' in at ? at.iova : null;
  let errno: Errno | null = null;
  if (length === 0n || length % PAGE_SIZE !== 0n || (iova !== null && iova % PAGE_SIZE !== 0n)) errno = 'EINVAL';
  else if (iova !== null && iova + length - 1n > U64_MAX) errno = 'EOVERFLOW';
  else if (iova !== null) {
    const last = iova + length - 1n;
    // iopt_reserve_iova / interval tree: any intersection with an area is -EEXIST
    if (areas.some((a) => a.iova <= last && iova! <= a.last)) errno = 'EEXIST';
  } else {
    iova = iopAllocIova(areas, length, 'uptr' in at ? at.uptr : 0n);
    if (iova === null) errno = 'ENOSPC';
  }
  k.emit(IoasAreaMapped.make({ ioas, iova: iova ?? 0n, length, auto, errno }, k.meta));
  return errno ? { iova: null, errno } : { iova, errno: null };
}

/**
 * IOMMU_IOAS_UNMAP: iova 0 and length U64_MAX unmap everything (success on an empty IOAS);
 * otherwise iopt_unmap_iova_range walks the areas meeting the range: one that sticks out is
 * -ENOENT (those before it in IOVA order are already gone), and no area at all is -ENOENT.
 */
export function ioasUnmap(k: KernelCtx, ioas: number, iova: bigint, length: bigint): { unmapped: bigint; errno: Errno | null } {
  const areas = areasOf(k, ioas);
  const all = iova === 0n && length === U64_MAX;
  const last = all ? U64_MAX : iova + length - 1n;
  let unmapped = 0n;
  let n = 0;
  let errno: Errno | null = null;
  for (const a of areas) {
    if (a.last < iova || a.iova > last) continue;
    if (a.iova < iova || a.last > last) {
      errno = 'ENOENT';
      break;
    }
    unmapped += a.last - a.iova + 1n;
    n++;
  }
  if (!errno && unmapped === 0n && !all) errno = 'ENOENT';
  // the areas removed before a cut one stay removed: record them as their own unmap
  if (errno && unmapped > 0n) {
    const cutAt = areas.find((a) => a.last >= iova && a.iova <= last && (a.iova < iova || a.last > last))!;
    k.emit(IoasAreaUnmapped.make({ ioas, iova, length: cutAt.iova - iova, unmapped, areas: n, errno: null }, k.meta));
  }
  k.emit(IoasAreaUnmapped.make({ ioas, iova, length: all ? U64_MAX : length, unmapped: errno ? 0n : unmapped, areas: errno ? 0 : n, errno }, k.meta));
  return { unmapped: errno ? 0n : unmapped, errno };
}
