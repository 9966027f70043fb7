// Driver objects: a page the kernel maps at two IOVAs at once, in one task's run of maps, holds
// two small objects of one driver allocation, each mapped on its own. virtio-blk maps a request's
// header and its status byte separately (virtio_blk.c (6.1, 6.12) virtblk_add_req: one sg entry
// each, vring_map_one_sg -> dma_map_page), and both live in the request's virtblk_req, allocated
// with the tag set at probe: the same page comes back with every request on that disk, whichever
// task submits it (the first read of /sys/block/vda/serial by a new `cat` is a GET_ID request on
// those pages). A data buffer is one mapping per request (a user page, a page-cache page), so a
// page live at two IOVAs at once is the driver's, not a buffer recycled between processes: unlike
// device-page.ts it needs no second task to show it.
//
// Learned from where attribution placed those two maps, only when both were at least 0.8 sure,
// and only as surely: a page taught by placements of confidence c weighs
// log(1 - c + c * w.driverObject); it anchors (kinds.ts) only when both were sure (confident),
// else it weighs and cannot make the placement sure.
import { type Ballot } from '../combine.js';
import { type MapQuery, type MapWeigher } from './scene.js';

interface LastMap {
  readonly domain: number;
  readonly task: string;
  readonly pfn: number;
  readonly line: number;
  readonly conf: number;
}

interface ObjectPage {
  readonly domain: number;
  /** how surely both maps that showed it were placed there */
  readonly conf: number;
  /** both maps that showed it were placed with confidence (it may anchor) */
  readonly sure: boolean;
  /** the task that showed it (its own later maps carry that as their own placements) */
  readonly task: string;
}

/**
 * the least confidence of the two maps that teaches a page: a page taught by a guess as likely
 * wrong as right would carry the guess to every task that maps it (on the heavy capture cut in its
 * concurrent phase, where half the placements are wrong, it spread them)
 */
const TEACHES_FROM = 0.8;

/** pages remembered at most (bounded memory on long traces) */
const MAX_PAGES = 1 << 20;

export class DriverObjects implements MapWeigher {
  readonly kind = 'driver-object' as const;
  readonly readsIova = false;
  private readonly last = new Map<number, LastMap>();
  private readonly objects = new Map<number, ObjectPage>();

  weigh(q: MapQuery, b: Ballot): void {
    const o = this.objects.get(Number(q.r.paddr >> 12n));
    if (!o || o.task === q.task.key || b.indexOf(o.domain) < 0) return;
    // one fact per task and domain: its later lines carry it as task evidence
    if (!q.s.tasks.firstTime(q.task, `driver-object:${o.domain}`)) return;
    const lr = Math.log(1 - o.conf + o.conf * q.s.w.driverObject);
    b.add('driver-object', o.domain, lr, true, o.sure);
  }

  /** A map line was placed in `domain` with confidence `conf` (and is live there now); `confident`: the confidence that teaches anchors. */
  placed(q: MapQuery, domain: number, conf: number, confident: number): void {
    const ppfn = Number(q.r.paddr >> 12n);
    const pfn = Number(q.r.iova >> 12n);
    const was = this.last.get(ppfn);
    const c = Math.min(conf, was?.conf ?? 0);
    if (was && c >= TEACHES_FROM && was.domain === domain && was.task === q.task.key && was.pfn !== pfn && q.s.live.blocker(domain, was.pfn, 1)?.line === was.line) {
      const known = this.objects.get(ppfn);
      if (!known || known.domain !== domain || known.conf < c) {
        if (this.objects.size >= MAX_PAGES) this.objects.clear();
        this.objects.set(ppfn, { domain, conf: c, sure: c >= confident, task: q.task.key });
      }
    }
    if (this.last.size >= MAX_PAGES) this.last.clear();
    this.last.set(ppfn, { domain, task: q.task.key, pfn, line: q.r.at.line, conf });
  }
}
