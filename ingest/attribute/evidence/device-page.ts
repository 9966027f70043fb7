// Device memory: a driver maps the same physical pages for every request (virtio-blk's request
// headers and status bytes live in per-request structures allocated at probe; descriptor tables,
// bounce buffers), whichever task submits it. A page that several tasks have had mapped for one
// domain is that device's memory: a new task mapping it drives that device. A page only one task
// mapped is that task's buffer, and buffers are recycled between processes that drive other
// disks: it says nothing. Counted once per page and task (the same page again is no new fact).
import { type Ballot } from '../combine.js';
import { type MapQuery, type MapWeigher } from './scene.js';

interface Owner {
  domain: number;
  readonly tasks: string[];
}

/** pages remembered at most (bounded memory on long traces) */
const MAX_PAGES = 1 << 20;

export class DevicePages implements MapWeigher {
  readonly kind = 'device-page' as const;
  readonly readsIova = false;
  private readonly owners = new Map<number, Owner>();

  weigh(q: MapQuery, b: Ballot): void {
    const ppfn = Number(q.r.paddr >> 12n);
    const o = this.owners.get(ppfn);
    if (q.s.tasks.seenPage(q.task, ppfn)) return;
    if (!o || o.tasks.length < q.s.w.devicePageTasks || o.tasks.includes(q.task.key)) return;
    // an anchor once per task and domain: the pages of one buffer are recycled together (a page
    // cache dropped after one disk's reads holds the next disk's), many of them weigh, they are
    // one fact as to how sure the placement is
    b.add('device-page', o.domain, Math.log(q.s.w.devicePage), true, q.s.tasks.firstTime(q.task, `device-page:${o.domain}`));
  }

  /** A map line was placed in `domain` with confidence `conf`. */
  placed(q: MapQuery, domain: number, conf: number, confident: number): void {
    if (conf < confident) return;
    const ppfn = Number(q.r.paddr >> 12n);
    let o = this.owners.get(ppfn);
    if (!o || o.domain !== domain) {
      if (this.owners.size >= MAX_PAGES) this.owners.clear();
      this.owners.set(ppfn, (o = { domain, tasks: [] }));
    }
    if (o.tasks.length < 4 && !o.tasks.includes(q.task.key)) o.tasks.push(q.task.key);
  }
}
