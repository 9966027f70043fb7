// Where a task's mappings complete: a device's completions run in its interrupt handler, on the
// CPUs its vectors are routed to (an AHCI port's single MSI lands on one CPU; NVMe and virtio
// queues complete on the CPU that submitted). Learned per domain from the lines placed with
// confidence (which CPU mapped, which CPU unmapped), it is evidence about the task that made the
// mapping when its unmap is seen.
import { type BookDomain } from '../book.js';
import { type Placement } from '../live-index.js';
import { type Scene } from './scene.js';

export class Completions {
  /** per domain: count of (map CPU, unmap CPU) pairs, and per map CPU */
  private readonly pairs = new Map<number, Map<string, number>>();

  /** The mapping placed as `p` was unmapped on `cpu`; the unmap was placed with confidence `conf` in `domain`. */
  unmapped(s: Scene, p: Placement, cpu: number, domain: BookDomain, conf: number, confident: number): void {
    const task = s.tasks.byKey(p.task);
    const key = `${p.cpu}>${cpu}`;
    const any = `${p.cpu}>*`;
    if (task && s.w.completion > 0) {
      const ds = s.book.candidates();
      const like = ds.map((d) => {
        const t = this.pairs.get(d.id);
        return ((t?.get(key) ?? 0) + 0.5) / ((t?.get(any) ?? 0) + 1);
      });
      const max = Math.max(...like);
      ds.forEach((d, i) => s.tasks.add(task, d.id, s.w.completion * Math.log(like[i] / max)));
    }
    if (conf < confident || p.conf < confident) return;
    let t = this.pairs.get(domain.id);
    if (!t) this.pairs.set(domain.id, (t = new Map()));
    t.set(key, (t.get(key) ?? 0) + 1);
    t.set(any, (t.get(any) ?? 0) + 1);
  }
}
