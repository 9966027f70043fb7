// debug.c active_cacheline_insert: a second active mapping the device may write whose first
// cacheline is already mapped ("cacheline tracking EEXIST, overlapping mappings aren't
// supported"). The CPU and the device could each hold a stale copy of the shared line.
import { type DmaApiCalled } from '../../domain-events/index.js';
import { entryTypeOfCall } from '../../reducers/index.js';
import { type Check } from '../check.js';
import { defineCheck } from '../define.js';
import { hexb, prefix, unmapEntry } from './match.js';

/** L1_CACHE_SHIFT of x86-64 and arm64 */
const CACHELINE_SHIFT = 6n;

function lines(phys: bigint | null, physAddrs: readonly bigint[] | null): number[] {
  if (physAddrs !== null && physAddrs.length) return physAddrs.map((p) => Number(p >> CACHELINE_SHIFT));
  return phys === null ? [] : [Number(phys >> CACHELINE_SHIFT)];
}

function tracked(e: DmaApiCalled): boolean {
  // TO_DEVICE: the device does not write, no stale data; SKIP_CPU_SYNC: the driver said so
  return e.dir !== 'TO_DEVICE' && !e.attrs.includes('SKIP_CPU_SYNC');
}

export const cachelineOverlap: Check = defineCheck({
  id: 'dma-api/cacheline-overlap',
  version: 1,
  severity: 'warning',
  description: 'two active mappings the device may write share their first cacheline',
  on: ['DmaApiCalled'],
  create: () => {
    /** cacheline -> seqs of the active mappings starting in it */
    const active = new Map<number, number[]>();
    return {
      inspect(e, s, emit) {
        if (e.type !== 'DmaApiCalled') return;
        const gone = unmapEntry(s, e);
        if (gone !== undefined) {
          if (gone.dir === 'TO_DEVICE') return;
          for (const l of lines(gone.phys, gone.physAddrs)) {
            const list = active.get(l);
            if (!list) continue;
            const rest = list.filter((x) => x !== gone.seq);
            if (rest.length) active.set(l, rest);
            else active.delete(l);
          }
          return;
        }
        if (entryTypeOfCall(e.call) === undefined || e.errno !== null || !tracked(e)) return;
        for (const l of lines(e.phys, e.sg?.physAddrs ?? null)) {
          const list = active.get(l);
          if (list) {
            emit({ message: `${prefix(e)} cacheline tracking EEXIST, overlapping mappings aren't supported [cacheline=${hexb(BigInt(l) << CACHELINE_SHIFT)}]`, related: [list[list.length - 1]], domain: e.domain, address: BigInt(l) << CACHELINE_SHIFT });
            list.push(e.seq);
          } else active.set(l, [e.seq]);
        }
      },
    };
  },
});
