// A quiet device: the guest's /proc/interrupts, read after the recording (guest/interrupts.txt),
// counts every completion interrupt each PCI device raised. A device that did DMA raised
// interrupts to complete it; one whose vectors took next to none (under 1 % of the busiest
// device's) did next to no DMA through the DMA API while the trace ran: a virtio device that did
// not negotiate VIRTIO_F_ACCESS_PLATFORM (virtio_ring.c (6.1, 6.12) vring_use_dma_api: false, no
// map line at all), a disk nobody read. Its domain is an unlikely home for a map line. A device
// /proc/interrupts does not list (INTx, no MSI line naming it) is not judged: no file, no
// evidence. It reads neither the IOVA nor an earlier placement; it weighs, it never anchors.
import { type Ballot } from '../combine.js';
import { type MapQuery, type MapWeigher } from './scene.js';

/** a device with fewer interrupts than this share of the busiest one's is quiet */
const QUIET_SHARE = 0.01;

export class QuietDevices implements MapWeigher {
  readonly kind = 'quiet-device' as const;
  readonly readsIova = false;
  /** domain id → its group's devices are all quiet (null: /proc/interrupts does not say) */
  private readonly quiet = new Map<number, boolean | null>();

  weigh(q: MapQuery, b: Ballot): void {
    // a quiet device still maps its MSI doorbell when its driver sets up its vectors at probe
    if (q.s.w.quietDevice <= 1 || q.doorbell) return;
    for (const d of b.cands) if (this.isQuiet(q, d.id)) b.add('quiet-device', d.id, -Math.log(q.s.w.quietDevice));
  }

  private isQuiet(q: MapQuery, domain: number): boolean | null {
    let v = this.quiet.get(domain);
    if (v !== undefined) return v;
    const irqs = q.s.capture.interrupts;
    const d = q.s.book.domains.get(domain);
    v = null;
    if (irqs && irqs.size > 0 && d) {
      const busiest = Math.max(...irqs.values());
      const counts = q.s.book.devicesOf(d).map((n) => irqs.get(n));
      if (busiest > 0 && counts.length > 0 && counts.every((c) => c !== undefined)) v = counts.every((c) => c! < busiest * QUIET_SHARE);
    }
    this.quiet.set(domain, v);
    return v;
  }
}
