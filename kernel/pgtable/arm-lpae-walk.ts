// What sits in one entry of the page table, read from the reducer's leaf runs and table pages:
// a leaf of this level's block size, a table of the next level, or nothing.
import { type DomainPageTable, pfnOf, type Run, runEnd } from '../../reducers/index.js';
import { blockSize, type LpaeGeometry } from './arm-lpae-geometry.js';

export type Entry = { readonly kind: 'empty' } | { readonly kind: 'leaf'; readonly run: Run } | { readonly kind: 'table' };

const EMPTY: Entry = { kind: 'empty' };
const TABLE: Entry = { kind: 'table' };

export function alignDown(a: bigint, size: bigint): bigint {
  return a - (a % size);
}

/** The run holding the 4 KiB page of `iova`, if any. */
export function runAt(pt: DomainPageTable, iova: bigint): Run | undefined {
  const pfn = pfnOf(iova);
  const k = pt.runs.floorKey(pfn);
  if (k === undefined) return undefined;
  const r = pt.runs.get(k)!;
  return runEnd(r) > pfn ? r : undefined;
}

export function hasTable(pt: DomainPageTable, lvl: number, base: bigint): boolean {
  return pt.tables[lvl]?.has(pfnOf(base)) ?? false;
}

/** The entry for iova in the table at `lvl` (io-pgtable-arm.c: ptep[ARM_LPAE_LVL_IDX(iova, lvl)]). */
export function entryAt(pt: DomainPageTable, g: LpaeGeometry, lvl: number, iova: bigint): Entry {
  const size = blockSize(g, lvl);
  const r = runAt(pt, iova);
  if (r && BigInt(r.pgsize) === size) return { kind: 'leaf', run: r };
  if (lvl < 3 && hasTable(pt, lvl + 1, alignDown(iova, size))) return TABLE;
  return EMPTY;
}

/** iova limited to the input address size, as the walk's index arithmetic does. */
export function maskIas(g: LpaeGeometry, iova: bigint): bigint {
  return iova & ((1n << BigInt(g.ias)) - 1n);
}
