// debug.c (6.1–7.2) active_cacheline_insert: a second active mapping the device may write whose first
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
import { ActiveLines } from './active-lines.js';
import { hexb, MAP_CALLS, prefix, UNMAP_CALLS, unmapEntry } from './match.js';

/** L1_CACHE_SHIFT of x86-64 and arm64 */
const CACHELINE_SHIFT = 6n;
const LINE = 64;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

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

/** the active lines of a checkpoint's state, but for the entries mapped with SKIP_CPU_SYNC */
function rebuild(active: ActiveLines, s: State, skip: ReadonlySet<number>): void {
  active.clear();
  const live: DmaEntry[] = [];
  for (const d of Object.values(s.dmaApi.devices))
    d.live.forEach((_, list) => {
      for (const x of list) if (x.dir !== 'TO_DEVICE' && !skip.has(x.seq)) live.push(x);
    });
  // a line's mappings in the order they were made
  live.sort((a, b) => a.seq - b.seq);
  for (const x of live) forEachLine(x.phys, x.physAddrs, (l) => void active.insert(l, x.seq));
}

export const cachelineOverlap: Check = defineCheck({
  id: 'dma-api/cacheline-overlap',
  version: 2,
  severity: 'warning',
  description: 'two active mappings the device may write share their first cacheline',
  needs: ['dma-events'],
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
        rebuild(active, s, skipped);
      },
    };
  },
});
