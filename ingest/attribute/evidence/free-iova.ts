// The allocator's state as a constraint only: a map needs its IOVA range free in its domain
// (iova.c never hands out an allocated range; a live mapping is allocated). A domain where the
// range is live is excluded (a map over live pages would be a conflict the kernel reports; the
// journal must not invent one while another domain can take the line). The range being
// free says nothing for a domain (every fresh domain's allocator starts at the same top IOVA); it
// never selects one. A task whose map could not go to a domain drives another one: weaker
// evidence about the task.
import { type Ballot } from '../combine.js';

/** a blocking placement this sure was anchored (an unanchored one stays below CONFIDENT_AT) */
const SURE = 0.95;
import { type MapQuery, type MapWeigher } from './scene.js';

export const freeIova: MapWeigher = {
  kind: 'free-iova',
  readsIova: true,
  weigh(q: MapQuery, b: Ballot): void {
    const pfn = Number(q.r.iova >> 12n);
    const pages = Number((q.r.size + 0xfffn) >> 12n);
    for (const d of b.cands) {
      const p = q.s.live.blocker(d.id, pfn, pages);
      if (!p) continue;
      b.add('free-iova', d.id, Math.log(q.s.w.blocked));
      if (p.conf >= SURE) b.ruleOut(d.id);
      if (p.conf > 0.5) b.add('free-iova', d.id, Math.log(1 - p.conf + p.conf * q.s.w.blockedTask), true);
    }
  },
};
