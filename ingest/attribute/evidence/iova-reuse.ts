// IOVA reuse: iova.c hands a freed IOVA out again first (the per-CPU rcache is last-in,
// first-out; alloc_iova_fast tries it before the tree), so a map at an IOVA most likely belongs
// to the domain that freed that IOVA last, the more so the sooner. Every domain's allocator starts
// at the same top IOVAs, which is why this is evidence, not a rule: measured on the 6.12 captures,
// the domain that unmapped the IOVA last is right for 95 to 99 % of maps within 100 ms, far less
// after. It reads the line's IOVA: never used for the domain a prediction is made in, and a map
// placed elsewhere than that domain because of it counts as decided by the allocator
// (mapsByAllocatorOnly). Evidence about the task too, but only from IOVAs another task's
// mappings held: a task reusing its own IOVA repeats where its own lines were put.
import { type Ballot } from '../combine.js';
import { type MapQuery, type MapWeigher } from './scene.js';

/** IOVAs remembered at most (bounded memory on long traces) */
const MAX_IOVAS = 1 << 20;
/** a reuse within this is the strong kind */
const RECENT_NS = 100_000_000;

export class IovaReuse implements MapWeigher {
  readonly kind = 'iova-reuse' as const;
  readonly readsIova = true;
  /** allocation start pfn → the domain that unmapped it last, when, how surely, and the task that had mapped it */
  private readonly freed = new Map<number, { domain: number; ts: number; conf: number; task: string | null }>();

  weigh(q: MapQuery, b: Ballot): void {
    const f = this.freed.get(Number(q.r.iova >> 12n));
    if (!f || b.indexOf(f.domain) < 0 || f.task === q.task.key) return;
    const recent = q.r.at.ts - f.ts <= RECENT_NS;
    // as strong as the unmap was surely placed there: freed in d with probability conf
    const lr = (x: number) => Math.log(1 - f.conf + f.conf * x);
    b.add('iova-reuse', f.domain, lr(recent ? q.s.w.reuse : q.s.w.reuseOld));
    if (recent) b.add('iova-reuse', f.domain, lr(q.s.w.reuseTask), true);
  }

  /** The domain that unmapped the allocation starting at `iova` last (null: none remembered). */
  lastFreedIn(iova: bigint): number | null {
    return this.freed.get(Number(iova >> 12n))?.domain ?? null;
  }

  /** An unmap at `iova` was placed in `domain` with confidence `conf`; `task` had mapped it (null: unknown). */
  unmapped(iova: bigint, domain: number, ts: number, conf: number, task: string | null): void {
    if (this.freed.size >= MAX_IOVAS) this.freed.clear();
    this.freed.set(Number(iova >> 12n), { domain, ts, conf, task });
  }
}
