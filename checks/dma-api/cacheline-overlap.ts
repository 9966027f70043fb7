// debug.c active_cacheline_insert: a second active mapping the device may write whose first
// cacheline is already mapped ("cacheline tracking EEXIST, overlapping mappings aren't
// supported"). The CPU and the device could each hold a stale copy of the shared line.
// The active cachelines are those of the live dma-debug entries (the dmaApi slice's) that the
// device may write and that were not mapped with DMA_ATTR_SKIP_CPU_SYNC; the entries do not keep
// their attrs, so the check keeps the seqs of the live SKIP_CPU_SYNC ones, and a resumed run
// rebuilds the rest from the checkpoint's state.
import { type DmaApiCalled } from '../../domain-events/index.js';
import { type DmaEntry, recordsEntry, type State } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, prefix, unmapEntry } from './match.js';

/** L1_CACHE_SHIFT of x86-64 and arm64 */
const CACHELINE_SHIFT = 6n;

function lines(phys: bigint | null, physAddrs: readonly bigint[] | null): number[] {
  if (physAddrs !== null && physAddrs.length) return physAddrs.map((p) => Number(p >> CACHELINE_SHIFT));
  return phys === null ? [] : [Number(phys >> CACHELINE_SHIFT)];
}

function skipsCpuSync(e: DmaApiCalled): boolean {
  // the driver said the CPU and the device need no sync: debug.c does not track the lines
  return e.attrs.includes('SKIP_CPU_SYNC');
}

/** cacheline -> seqs of the active mappings starting in it, oldest first */
class ActiveLines {
  private readonly byLine = new Map<number, number[]>();

  /** the newest active mapping in the line, if any; the mapping joins the line */
  insert(l: number, seq: number): number | undefined {
    const list = this.byLine.get(l);
    if (list === undefined) {
      this.byLine.set(l, [seq]);
      return undefined;
    }
    const last = list[list.length - 1];
    list.push(seq);
    return last;
  }

  remove(l: number, seq: number): void {
    const list = this.byLine.get(l);
    if (!list) return;
    const rest = list.filter((x) => x !== seq);
    if (rest.length) this.byLine.set(l, rest);
    else this.byLine.delete(l);
  }

  /** the active lines of a checkpoint's state, but for the entries mapped with SKIP_CPU_SYNC */
  rebuild(s: State, skip: ReadonlySet<number>): void {
    this.byLine.clear();
    const live: DmaEntry[] = [];
    for (const d of Object.values(s.dmaApi.devices))
      d.live.forEach((_, list) => {
        for (const x of list) if (x.dir !== 'TO_DEVICE' && !skip.has(x.seq)) live.push(x);
      });
    // a line's mappings in the order they were made
    live.sort((a, b) => a.seq - b.seq);
    for (const x of live) for (const l of lines(x.phys, x.physAddrs)) this.insert(l, x.seq);
  }
}

export const cachelineOverlap: Check = defineCheck({
  id: 'dma-api/cacheline-overlap',
  version: 2,
  severity: 'warning',
  description: 'two active mappings the device may write share their first cacheline',
  on: ['DmaApiCalled'],
  create: () => {
    const active = new ActiveLines();
    /** seqs of the live entries mapped with SKIP_CPU_SYNC that the device may write */
    const skipped = new Set<number>();
    return {
      inspect(e, s, emit) {
        if (e.type !== 'DmaApiCalled') return;
        const gone = unmapEntry(s, e);
        if (gone !== undefined) {
          if (gone.dir === 'TO_DEVICE') return;
          if (skipped.delete(gone.seq)) return;
          for (const l of lines(gone.phys, gone.physAddrs)) active.remove(l, gone.seq);
          return;
        }
        // TO_DEVICE: the device does not write, no stale data; a call that leaves no entry
        // (failed, DMA_MAPPING_ERROR) is not tracked either
        if (e.dir === 'TO_DEVICE' || !recordsEntry(e)) return;
        if (skipsCpuSync(e)) {
          skipped.add(e.seq);
          return;
        }
        for (const l of lines(e.phys, e.sg?.physAddrs ?? null)) {
          const other = active.insert(l, e.seq);
          if (other !== undefined)
            emit({ message: `${prefix(e)} cacheline tracking EEXIST, overlapping mappings aren't supported [cacheline=${hexb(BigInt(l) << CACHELINE_SHIFT)}]`, related: [other], domain: e.domain, address: BigInt(l) << CACHELINE_SHIFT });
        }
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
