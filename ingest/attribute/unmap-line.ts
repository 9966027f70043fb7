// Deciding one unmap line: the dma:* event that names the device (6.12+); otherwise the domains
// where the whole range is live, each as likely as its mapping was surely placed there, the newest
// mapping favoured where several hold it; a range live nowhere is a mapping from before the trace
// (a trace that starts mid-run) or a conflict.
import { PRE_TRACE } from '../../domain-events/index.js';
import { type BookDomain } from './book.js';
import { Ballot, type Decision } from './combine.js';
import { type DmaClaims } from './evidence/dma-event.js';
import { holders, weighLive } from './evidence/live-unmap.js';
import { recent } from './evidence/recent.js';
import { type Scene, type UnmapQuery } from './evidence/scene.js';
import { type Placement } from './live-index.js';
import { pagesOf, type UnmapRecord } from './window.js';

/** An unmap of a mapping from before the trace is as likely in any domain the evidence allows: half as sure. */
const PRE_TRACE_FACTOR = 0.5;

export interface UnmapPlacement extends Decision {
  /** the placement of the mapping it removes (where it starts), if attribution placed one */
  readonly holder: Placement | null;
  /** no domain held the range */
  readonly hole: boolean;
}

export class UnmapLines {
  constructor(
    private readonly s: Scene,
    private readonly claims: DmaClaims,
  ) {}

  place(i: number, r: UnmapRecord): UnmapPlacement | null {
    const s = this.s;
    const pfn = Number(r.iova >> 12n);
    const pages = pagesOf(r.unmapped > 0n ? r.unmapped : r.size);
    if (s.sighted) {
      const dev = this.claims.unmapDevice(s.window, i);
      const d = dev ? s.book.domainForDevice(dev, { src: null, line: r.at.line, ts: r.at.ts }) : undefined;
      if (d) {
        const by = s.live.holders(d.id, pfn, pages);
        return { domain: d, conf: 1, how: 'dma-event', holder: by?.[0] ?? null, hole: by === null };
      }
    }
    const task = s.tasks.get(r.at, 'unmap');
    const q: UnmapQuery = { s, i, r, task };
    const hs = holders(s, pfn, pages);
    if (hs.length) {
      const b = new Ballot(hs.map((h) => h.domain));
      weighLive(q, hs, b);
      s.tasks.weigh(task, b);
      recent(q, b);
      const d = b.decide('live-unmap');
      const h = hs.find((x) => x.domain === d.domain)!;
      // as sure as the mapping it removes was placed there
      return { ...d, conf: d.conf * h.conf, holder: h.by[0], hole: false };
    }
    // a mapping from before the trace: only a domain the trace did not show from its start
    const open = s.book.candidates().filter((d) => !d.fromStart);
    const cands: BookDomain[] = open.length ? open : s.book.candidates();
    if (cands.length === 0) return null;
    const b = new Ballot(cands);
    s.tasks.weigh(task, b);
    recent(q, b);
    const d = b.decide(open.length ? 'pre-trace' : 'conflict');
    return open.length ? { ...d, how: PRE_TRACE, conf: d.conf * PRE_TRACE_FACTOR, holder: null, hole: true } : { ...d, how: 'conflict', conf: Math.min(d.conf, 0.1), holder: null, hole: true };
  }
}
