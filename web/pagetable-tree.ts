// The page table of one domain as a tree, one table at a time: the entries of the table at a
// level that translates a given IOVA, each a next-level table (with how much it maps), a block
// or a page (with its output address, prot and the descriptor bits the format would write).
// Built from the live leaf runs, so it works for every journal; the page asks for one table
// when the user expands an entry.
import { InputError } from '../domain-events/index.js';
import { type DomainPageTable, runEnd, type State } from '../reducers/index.js';

export interface PtLevel {
  readonly level: number;
  /** log2 of the bytes one entry translates */
  readonly shift: number;
  readonly entries: number;
}

export interface PtEntry {
  readonly index: number;
  readonly iova: bigint;
  readonly kind: 'table' | 'block' | 'page';
  /** 4 KiB pages mapped under the entry */
  readonly pages: number;
  readonly leaves: number;
  readonly paddr: bigint | null;
  readonly prot: number | null;
  readonly seq: number | null;
  /** descriptor bits the format writes for a leaf (io-pgtable-arm / VT-d), null for tables */
  readonly pte: bigint | null;
}

export interface PtTable {
  readonly domain: number;
  readonly fmt: string;
  readonly levels: readonly PtLevel[];
  readonly level: number;
  readonly base: bigint;
  readonly entries: readonly PtEntry[];
}

/** The table geometry: the format's, or a 4 KiB-granule, 4-level (48-bit) walk when unknown. */
export function geometry(pt: DomainPageTable | undefined): PtLevel[] {
  const c = pt?.config;
  const g = c ? Math.log2(c.granule) : 12;
  const bits = g - 3;
  const start = c ? c.startLevel : 0;
  const out: PtLevel[] = [];
  for (let l = start; l <= 3; l++) out.push({ level: l, shift: g + bits * (3 - l), entries: l === start && c ? 2 ** c.pgdBits : 2 ** bits });
  return out;
}

/**
 * Descriptor bits for a leaf. io-pgtable-arm.c (6.1/6.12) arm_lpae_prot_to_pte and
 * __arm_lpae_init_pte for the LPAE formats; intel/iommu.c DMA_PTE_* for VT-d second level.
 */
export function leafPte(fmt: string, prot: number | null, paddr: bigint, last: boolean): bigint | null {
  if (prot === null) return null;
  const R = 1, W = 2, CACHE = 4, NOEXEC = 8, MMIO = 16, PRIV = 32;
  if (fmt.startsWith('ARM_64_LPAE_S1') || fmt.startsWith('ARM_32_LPAE_S1')) {
    let pte = 1n << 11n; // nG
    if (!(prot & W) && prot & R) pte |= 2n << 6n; // AP_RDONLY
    if (!(prot & PRIV)) pte |= 1n << 6n; // AP_UNPRIV
    if (prot & MMIO) pte |= 2n << 2n; // AttrIndx DEV
    else if (prot & CACHE) pte |= 1n << 2n; // AttrIndx CACHE
    pte |= prot & CACHE ? 3n << 8n : 2n << 8n; // SH inner / outer shareable
    if (prot & NOEXEC) pte |= 3n << 53n; // XN
    pte |= 1n << 10n; // AF
    return pte | paddr | (last ? 3n : 1n); // TYPE_PAGE / TYPE_BLOCK
  }
  if (fmt.startsWith('ARM_64_LPAE_S2')) {
    let pte = 0n;
    if (prot & R) pte |= 1n << 6n; // HAP_READ
    if (prot & W) pte |= 2n << 6n; // HAP_WRITE
    pte |= prot & MMIO ? 1n << 2n : prot & CACHE ? 0xfn << 2n : 5n << 2n; // MEMATTR DEV / OIWB / NC
    pte |= prot & CACHE ? 3n << 8n : 2n << 8n;
    if (prot & NOEXEC) pte |= 3n << 53n;
    pte |= 1n << 10n;
    return pte | paddr | (last ? 3n : 1n);
  }
  if (!fmt.startsWith('VTD')) return null;
  // VT-d second level (intel/iommu.c __domain_mapping): DMA_PTE_READ, DMA_PTE_WRITE, and
  // DMA_PTE_LARGE_PAGE for a superpage; DMA_PTE_SNP depends on the IOMMU's snoop control,
  // which the journal does not record, so it is left out
  let pte = paddr;
  if (prot & R) pte |= 1n;
  if (prot & W) pte |= 2n;
  if (!last) pte |= 1n << 7n;
  return pte;
}

/** The table at `level` (null: the top) that translates `iova`. */
export function pageTableTable(s: State, domain: number, level: number | null, iova: bigint): PtTable {
  const pt = s.pageTables.domains.get(domain);
  const levels = geometry(pt);
  if (level === null) level = levels[0].level;
  const li = levels.findIndex((l) => l.level === level);
  if (li < 0) throw new InputError(`level ${level}: the table of domain ${domain} has levels ${levels.map((l) => l.level).join(', ')}`);
  const L = levels[li];
  const tableBytes = 2n ** BigInt(L.shift) * BigInt(L.entries);
  const base = li === 0 ? 0n : (iova / tableBytes) * tableBytes;
  const fmt = s.topology.domains[domain]?.fmt ?? pt?.config?.fmt ?? 'unknown';
  const entryPages = 2 ** (L.shift - 12);
  const lo = Number(base >> 12n);
  const hi = lo + entryPages * L.entries - 1;
  const byIndex = new Map<number, PtEntry>();
  if (pt) {
    const first = pt.runs.floorKey(lo);
    const from = first !== undefined && runEnd(pt.runs.get(first)!) > lo ? first : lo;
    pt.runs.forEachInRange(from, hi, (_, r) => {
      const leafPages = r.pgsize / 4096;
      if (leafPages >= entryPages) {
        // leaves of this level: one entry each
        for (let k = 0; k < r.count; k++) {
          const p = r.pfn + k * leafPages;
          if (p < lo || p > hi) continue;
          const idx = Math.floor((p - lo) / entryPages);
          const paddr = BigInt(r.ppfn + k * leafPages) << 12n;
          const last = li === levels.length - 1;
          byIndex.set(idx, { index: idx, iova: BigInt(p) << 12n, kind: last ? 'page' : 'block', pages: leafPages, leaves: 1, paddr, prot: r.prot, seq: r.seq, pte: leafPte(fmt, r.prot, paddr, last) });
        }
        return;
      }
      // smaller leaves: they live in next-level tables under the entries they cross
      const a = Math.max(r.pfn, lo);
      const b = Math.min(runEnd(r) - 1, hi);
      for (let idx = Math.floor((a - lo) / entryPages); idx <= Math.floor((b - lo) / entryPages); idx++) {
        const es = lo + idx * entryPages;
        const pages = Math.min(b, es + entryPages - 1) - Math.max(a, es) + 1;
        const prev = byIndex.get(idx);
        byIndex.set(idx, { index: idx, iova: BigInt(es) << 12n, kind: 'table', pages: (prev?.pages ?? 0) + pages, leaves: (prev?.leaves ?? 0) + pages / leafPages, paddr: null, prot: null, seq: null, pte: null });
      }
    });
  }
  return { domain, fmt, levels, level, base, entries: [...byIndex.values()].sort((x, y) => x.index - y.index) };
}
