// debug.c active_cacheline_insert: a second active mapping the device may write whose first
// cacheline is already mapped ("cacheline tracking EEXIST, overlapping mappings aren't
// supported"). The CPU and the device could each hold a stale copy of the shared line.
// The active cachelines are those of the live dma-debug entries (the dmaApi slice's) that the
// device may write and that were not mapped with DMA_ATTR_SKIP_CPU_SYNC; the entries do not keep
// their attrs, so the check keeps the seqs of the live SKIP_CPU_SYNC ones, and a resumed run
// rebuilds the rest from the checkpoint's state.
import { type DmaApiCalled } from '../../domain-events/index.js';
import { type DmaEntry, recordsEntry, type State } from '../../reducers/index.js';
import { type Check, type Emit } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, MAP_CALLS, prefix, UNMAP_CALLS, unmapEntry } from './match.js';

/** L1_CACHE_SHIFT of x86-64 and arm64 */
const CACHELINE_SHIFT = 6n;
const LINE = 64;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** a free slot: no line is negative */
const FREE = -1;

function lineOf(p: bigint): number {
  return p <= SAFE ? Math.floor(Number(p) / LINE) : Number(p >> CACHELINE_SHIFT);
}

/** Calls fn with each cacheline a mapping starts in: one per sg segment, else its physical address. */
function forEachLine(phys: bigint | null, physAddrs: readonly bigint[] | null, fn: (l: number) => void): void {
  if (physAddrs !== null && physAddrs.length) for (const p of physAddrs) fn(lineOf(p));
  else if (phys !== null) fn(lineOf(phys));
}

function skipsCpuSync(e: DmaApiCalled): boolean {
  // the driver said the CPU and the device need no sync: debug.c does not track the lines
  return e.attrs.includes('SKIP_CPU_SYNC');
}

/**
 * cacheline -> seqs of the active mappings starting in it, oldest first. A line holds one mapping
 * but for the faults this check reports, so a lone seq lives in an open-addressing table of one
 * typed array (slot: line, seq; no object per mapping), several in a Map beside it.
 */
class ActiveLines {
  private t = ActiveLines.table(1 << 10);
  private mask = (1 << 10) - 1;
  private used = 0;
  private readonly several = new Map<number, number[]>();

  private static table(slots: number): Float64Array {
    const t = new Float64Array(2 * slots);
    for (let i = 0; i < t.length; i += 2) t[i] = FREE;
    return t;
  }

  /** the offset of the line's slot, or of the free slot where it would go (linear probing, at most half full) */
  private slot(l: number): number {
    const h = Math.imul((l >>> 0) ^ Math.imul((l * 2.3283064365386963e-10) | 0, 0x85ebca6b), 0x9e3779b1);
    const t = this.t;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const k = t[2 * i];
      if (k === l || k === FREE) return 2 * i;
      i = (i + 1) & mask;
    }
  }

  /** the newest active mapping in the line, if any; the mapping joins the line */
  insert(l: number, seq: number): number | undefined {
    const i = this.slot(l);
    const t = this.t;
    if (t[i] === FREE) {
      t[i] = l;
      t[i + 1] = seq;
      if (++this.used * 2 > this.mask) this.grow();
      return undefined;
    }
    const list = this.several.get(l);
    if (list === undefined) {
      const last = t[i + 1];
      this.several.set(l, [last, seq]);
      return last;
    }
    const last = list[list.length - 1];
    list.push(seq);
    return last;
  }

  remove(l: number, seq: number): void {
    const i = this.slot(l);
    const t = this.t;
    if (t[i] === FREE) return;
    const list = this.several.get(l);
    if (list === undefined) {
      if (t[i + 1] === seq) this.free(i);
      return;
    }
    const rest = list.filter((x) => x !== seq);
    if (rest.length > 1) this.several.set(l, rest);
    else {
      this.several.delete(l);
      if (rest.length === 1) t[i + 1] = rest[0];
      else this.free(i);
    }
  }

  /** frees the slot at offset i and moves later entries of its probe run back (no tombstones) */
  private free(i: number): void {
    const t = this.t;
    const mask = this.mask;
    t[i] = FREE;
    this.used--;
    let j = i / 2;
    for (;;) {
      j = (j + 1) & mask;
      const k = t[2 * j];
      if (k === FREE) return;
      const seq = t[2 * j + 1];
      t[2 * j] = FREE;
      const to = this.slot(k);
      t[to] = k;
      t[to + 1] = seq;
    }
  }

  private grow(): void {
    const old = this.t;
    const slots = (this.mask + 1) * 2;
    this.t = ActiveLines.table(slots);
    this.mask = slots - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] === FREE) continue;
      const i = this.slot(old[j]);
      this.t[i] = old[j];
      this.t[i + 1] = old[j + 1];
    }
  }

  clear(): void {
    this.t = ActiveLines.table(1 << 10);
    this.mask = (1 << 10) - 1;
    this.used = 0;
    this.several.clear();
  }

  /** the active lines of a checkpoint's state, but for the entries mapped with SKIP_CPU_SYNC */
  rebuild(s: State, skip: ReadonlySet<number>): void {
    this.clear();
    const live: DmaEntry[] = [];
    for (const d of Object.values(s.dmaApi.devices))
      d.live.forEach((_, list) => {
        for (const x of list) if (x.dir !== 'TO_DEVICE' && !skip.has(x.seq)) live.push(x);
      });
    // a line's mappings in the order they were made
    live.sort((a, b) => a.seq - b.seq);
    for (const x of live) forEachLine(x.phys, x.physAddrs, (l) => void this.insert(l, x.seq));
  }
}

export const cachelineOverlap: Check = defineCheck({
  id: 'dma-api/cacheline-overlap',
  version: 2,
  severity: 'warning',
  description: 'two active mappings the device may write share their first cacheline',
  on: ['DmaApiCalled'],
  calls: [...MAP_CALLS, ...UNMAP_CALLS],
  create: () => {
    const active = new ActiveLines();
    /** seqs of the live entries mapped with SKIP_CPU_SYNC that the device may write */
    const skipped = new Set<number>();
    const track = (l: number, e: DmaApiCalled, emit: Emit): void => {
      const other = active.insert(l, e.seq);
      if (other === undefined) return;
      const line = BigInt(l) << CACHELINE_SHIFT;
      emit({ message: `${prefix(e)} cacheline tracking EEXIST, overlapping mappings aren't supported [cacheline=${hexb(line)}]`, related: [other], domain: e.domain, address: line });
    };
    return {
      inspect(e, s, emit) {
        if (e.type !== 'DmaApiCalled') return;
        const gone = unmapEntry(s, e);
        if (gone !== undefined) {
          if (gone.dir === 'TO_DEVICE') return;
          if (skipped.delete(gone.seq)) return;
          if (gone.physAddrs !== null && gone.physAddrs.length) for (const p of gone.physAddrs) active.remove(lineOf(p), gone.seq);
          else if (gone.phys !== null) active.remove(lineOf(gone.phys), gone.seq);
          return;
        }
        // TO_DEVICE: the device does not write, no stale data; a call that leaves no entry
        // (failed, DMA_MAPPING_ERROR) is not tracked either
        if (e.dir === 'TO_DEVICE' || !recordsEntry(e)) return;
        if (skipsCpuSync(e)) {
          skipped.add(e.seq);
          return;
        }
        const physAddrs = e.sg?.physAddrs;
        if (physAddrs !== undefined && physAddrs.length) for (const p of physAddrs) track(lineOf(p), e, emit);
        else if (e.phys !== null) track(lineOf(e.phys), e, emit);
      },
      save: () => [...skipped],
      restore(s, saved) {
        skipped.clear();
        for (const seq of (saved as number[] | undefined) ?? []) skipped.add(seq);
        active.rebuild(s, skipped);
      },
    };
  },
});
