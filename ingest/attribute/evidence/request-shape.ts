// Request shapes per driver: what a task's requests look like in map lines says which kind of
// driver builds them, and the groups file names each device's driver. A virtio device's ring maps
// every scatterlist entry by itself (virtio_ring.c (6.1, 6.12) vring_map_one_sg: one
// dma_map_page per entry, one map line each), and virtio-blk gives every request a header and a
// status byte as entries of their own, both in the request's virtblk_req (virtio_blk.c (6.1, 6.12)
// virtblk_add_req): the same page is mapped at two IOVAs at once by the task that submits it.
// Block drivers that map a request's list with dma_map_sg (NVMe, AHCI) get one IOVA range for it,
// mapped in several back-to-back lines (iommu_map_sg), and no page of theirs twice.
//
// So, about the task that makes the lines (once per task: a fact, not a stream):
// - a map line continued by the rest of its list (one range, several lines) is no virtio ring's;
// - a page mapped again while its first mapping by the same task is live is virtio-blk's shape;
// - a task whose first mapping completed before it showed that shape sends requests without a
//   header and a status: not virtio-blk's.
// It reads no IOVA value and no earlier placement: the same on any kernel that traces map lines.
// It weighs, it never anchors (a header and its status may straddle a page; another virtio
// driver's requests look otherwise): where a groups file names no driver it says nothing.
import { type Placement } from '../live-index.js';
import { type MapQuery, type Scene } from './scene.js';
import { type Task } from './task.js';

const VIRTIO = /^virtio/;

/** pages remembered per task (the last maps of one request), and tasks (bounded memory) */
const PAGES_PER_TASK = 512;
const MAX_TASKS = 4096;

interface Seen {
  /** page → the IOVA page and line of the task's last map of it */
  readonly pages: Map<number, { pfn: number; line: number; domain: number }>;
  /** the task showed a virtio-blk request (a page at two IOVAs at once) */
  virtio: boolean;
  /** the line of the first unmap of a mapping the task made (null: none yet) */
  firstDone: number | null;
}

export class RequestShapes {
  private readonly seen = new Map<string, Seen>();
  /** domain id → its group's driver is a virtio driver (null: the groups file names none) */
  private readonly ring = new Map<number, boolean | null>();

  /**
   * The task's map line starts a list mapped as one range in several lines (window.continuation):
   * evidence about the task's later lines (the line itself is placed by what it shares with the
   * rest of its request: its continuation lines follow it wherever it goes).
   */
  listed(q: MapQuery): void {
    if (!this.requesting(q.task.key, q.r.at.line) || q.task.worker || q.s.w.requestShape <= 1 || !q.s.tasks.firstTime(q.task, 'shape:list')) return;
    const lr = -Math.log(q.s.w.requestShape);
    for (const d of q.s.book.candidates()) if (this.isRing(q.s, d.id)) q.s.tasks.add(q.task, d.id, lr);
  }

  /** The map line was placed in `domain` (and is live there now). */
  placed(q: MapQuery, domain: number): void {
    if (q.task.worker) return;
    let t = this.seen.get(q.task.key);
    if (!t) {
      if (this.seen.size >= MAX_TASKS) this.seen.clear();
      this.seen.set(q.task.key, (t = { pages: new Map(), virtio: false, firstDone: null }));
    }
    const ppfn = Number(q.r.paddr >> 12n);
    const pfn = Number(q.r.iova >> 12n);
    const was = t.pages.get(ppfn);
    if (!t.virtio && was && was.pfn !== pfn && q.s.live.blocker(was.domain, was.pfn, 1)?.line === was.line) {
      t.virtio = true;
      this.towardRing(q.s, q.task, true);
    }
    if (t.pages.size >= PAGES_PER_TASK) t.pages.clear();
    t.pages.set(ppfn, { pfn, line: q.r.at.line, domain });
  }

  /**
   * A mapping placed as `p` was unmapped (at `line`). A mapping the task made after its first
   * completion belongs to a request the trace shows whole (a trace cut mid-run may begin after a
   * virtio request's header): completed without a page at two IOVAs, it was no virtio-blk request.
   */
  completed(s: Scene, p: Placement, line: number): void {
    const t = this.seen.get(p.task);
    if (!t) return;
    if (t.firstDone === null) t.firstDone = line;
    const task = s.tasks.byKey(p.task);
    if (t.virtio || !task || task.worker || !this.requesting(p.task, p.line)) return;
    this.towardRing(s, task, false);
  }

  /**
   * The task's line at `line` comes after its first completion: the task does I/O and the line
   * is one of its requests, not its probe's (a driver allocates its rings, coherent buffers mapped
   * as one range in several lines, before its first request: virtio_ring.c vring_alloc_queue)
   */
  private requesting(task: string, line: number): boolean {
    const done = this.seen.get(task)?.firstDone ?? null;
    return done !== null && line > done;
  }

  /** The task drives a virtio ring's device (ring) or another driver's: once per task. */
  private towardRing(s: Scene, task: Task, ring: boolean): void {
    if (s.w.requestShape <= 1 || !s.tasks.firstTime(task, 'shape:ring')) return;
    const lr = Math.log(s.w.requestShape);
    for (const d of s.book.candidates()) {
      const r = this.isRing(s, d.id);
      if (r === null) continue;
      if (r === ring) s.tasks.add(task, d.id, lr);
    }
  }

  private isRing(s: Scene, domain: number): boolean | null {
    let r = this.ring.get(domain);
    if (r !== undefined) return r;
    const d = s.book.domains.get(domain);
    const drivers = d ? s.book.devicesOf(d).flatMap((n) => s.capture.groups.flatMap((g) => g.devices.filter((x) => x.name === n && x.driver !== '').map((x) => x.driver))) : [];
    r = drivers.length === 0 ? null : drivers.some((x) => VIRTIO.test(x));
    this.ring.set(domain, r);
    return r;
  }
}
