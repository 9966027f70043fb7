// io-pgtable-arm.c geometry (6.1 = 6.12): levels, block sizes, table sizes for a granule and an
// input address size, and the page sizes a granule allows (arm_lpae_restrict_pgsizes).
export const ARM_LPAE_MAX_LEVELS = 4;
const PAGE_SIZE = 4096n;

export interface LpaeGeometry {
  readonly fmt: string;
  readonly ias: number;
  readonly oas: number;
  /** log2 of the granule */
  readonly pgShift: number;
  readonly bitsPerLevel: number;
  readonly startLevel: number;
  readonly pgdBits: number;
  readonly pgsizeBitmap: bigint;
}

export function blockShift(g: LpaeGeometry, lvl: number): number {
  return g.pgShift + g.bitsPerLevel * (ARM_LPAE_MAX_LEVELS - 1 - lvl);
}

export function blockSize(g: LpaeGeometry, lvl: number): bigint {
  return 1n << BigInt(blockShift(g, lvl));
}

/** entries of a table at `lvl` (the pgd may have fewer or, for stage 2, more) */
export function ptesPerTable(g: LpaeGeometry, lvl: number): number {
  return 2 ** (lvl === g.startLevel ? g.pgdBits : g.bitsPerLevel);
}

/** ARM_LPAE_LVL_IDX: the entry of iova in the table at lvl (the pgd index is masked to pgd_bits) */
export function lvlIdx(g: LpaeGeometry, iova: bigint, lvl: number): number {
  return Number((iova >> BigInt(blockShift(g, lvl))) & BigInt(ptesPerTable(g, lvl) - 1));
}

function fls(x: bigint): number {
  let n = -1;
  while (x > 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

function ffs(x: bigint): number {
  let n = 0;
  while (x > 0n && (x & 1n) === 0n) {
    x >>= 1n;
    n++;
  }
  return n;
}

/**
 * arm_lpae_alloc_pgtable + arm_lpae_restrict_pgsizes: the granule closest to PAGE_SIZE, the block
 * sizes of that granule, ias/oas clamped to 48 (52 with 64K). Null when the kernel refuses.
 */
export function lpaeGeometry(fmt: string, ias: number, oas: number, pgsizeBitmapIn: bigint): LpaeGeometry | null {
  if (!(pgsizeBitmapIn & (0x1000n | 0x4000n | 0x10000n))) return null;
  if (ias > 52 || oas > 52) return null;
  const pageMask = ~(PAGE_SIZE - 1n) & ((1n << 64n) - 1n);
  let granule: bigint;
  if (pgsizeBitmapIn & PAGE_SIZE) granule = PAGE_SIZE;
  else if (pgsizeBitmapIn & ~pageMask & ((1n << 64n) - 1n)) granule = 1n << BigInt(fls(pgsizeBitmapIn & (PAGE_SIZE - 1n)));
  else granule = 1n << BigInt(ffs(pgsizeBitmapIn & pageMask));
  let maxBits = 48;
  let sizes: bigint;
  if (granule === 0x1000n) sizes = 0x1000n | 0x200000n | 0x40000000n;
  else if (granule === 0x4000n) sizes = 0x4000n | 0x2000000n;
  else if (granule === 0x10000n) {
    maxBits = 52;
    sizes = 0x10000n | 0x20000000n | (oas > 48 ? 1n << 42n : 0n);
  } else sizes = 0n;
  const bitmap = pgsizeBitmapIn & sizes;
  const ias2 = Math.min(ias, maxBits);
  const oas2 = Math.min(oas, maxBits);
  const pgShift = fls(granule);
  const bitsPerLevel = pgShift - 3;
  const vaBits = ias2 - pgShift;
  const levels = Math.ceil(vaBits / bitsPerLevel);
  const startLevel = ARM_LPAE_MAX_LEVELS - levels;
  const pgdBits = vaBits - bitsPerLevel * (levels - 1);
  return { fmt, ias: ias2, oas: oas2, pgShift, bitsPerLevel, startLevel, pgdBits, pgsizeBitmap: bitmap };
}

/** The geometry recorded for a domain (PgtableConfigured). */
export function geometryOf(c: { fmt: string; ias: number; oas: number; granule: number; pgsizeBitmap: bigint; startLevel: number; pgdBits: number }): LpaeGeometry {
  const pgShift = Math.log2(c.granule);
  return { fmt: c.fmt, ias: c.ias, oas: c.oas, pgShift, bitsPerLevel: pgShift - 3, startLevel: c.startLevel, pgdBits: c.pgdBits, pgsizeBitmap: c.pgsizeBitmap };
}
