// Where a task's mappings complete: a device's completions run in its interrupt handler, on the
// CPUs its vectors are routed to (an AHCI port's single MSI lands on one CPU; NVMe and virtio
// queues complete on the CPU that submitted). Learned per domain from the lines placed with
// confidence (which CPU mapped, which CPU unmapped), it is evidence about the task that made the
// mapping when its unmap is seen: how much likelier that (map CPU, unmap CPU) pair is in each
// domain than in all of them together. A domain that has shown little is as likely as the pool
// (shrunk toward it), not less: no data is no evidence. It weighs, it never makes a placement
// sure (no anchor, kinds.ts: devices share the CPUs their completions run on).
import { type BookDomain } from '../book.js';
import { type Placement } from '../live-index.js';
import { type Scene } from './scene.js';

/** pseudo-observations of the pooled distribution each domain's own is shrunk toward */
const SHRINK = 8;

export class Completions {
  /** per domain, and pooled (key -1): count of (map CPU, unmap CPU) pairs, and per map CPU */
  private readonly pairs = new Map<number, Map<string, number>>();

  private count(domain: number, key: string): number {
    return this.pairs.get(domain)?.get(key) ?? 0;
  }

  /** The mapping placed as `p` was unmapped on `cpu`; the unmap was placed with confidence `conf` in `domain`. */
  unmapped(s: Scene, p: Placement, cpu: number, domain: BookDomain, conf: number, confident: number): void {
    const task = s.tasks.byKey(p.task);
    const key = `${p.cpu}>${cpu}`;
    const any = `${p.cpu}>*`;
    const poolAny = this.count(-1, any);
    if (task && s.w.completion > 0 && poolAny > 0) {
      // the pooled chance of this pair, with a floor: a pair never seen is rare, not impossible
      const pool = (this.count(-1, key) + 0.5) / (poolAny + 1);
      for (const d of s.book.candidates()) {
        const own = (this.count(d.id, key) + SHRINK * pool) / (this.count(d.id, any) + SHRINK);
        s.tasks.add(task, d.id, s.w.completion * Math.log(own / pool), false);
      }
    }
    if (conf < confident || p.conf < confident) return;
    for (const id of [domain.id, -1]) {
      let t = this.pairs.get(id);
      if (!t) this.pairs.set(id, (t = new Map()));
      t.set(key, (t.get(key) ?? 0) + 1);
      t.set(any, (t.get(any) ?? 0) + 1);
    }
  }
}
