// MSI doorbells: dma-iommu.c (6.1, 6.12) iommu_dma_get_msi_page maps the interrupt controller's
// doorbell page (arm64: the GICv3 ITS GITS_TRANSLATER page) into a device's DMA domain once,
// when the driver allocates its MSI vectors, at an ordinary DMA IOVA. A 4 KiB map of a page that
// is not RAM (guest /proc/iomem) on arm64 is one; it goes to a DMA domain that has no doorbell
// yet, most likely the one whose device is probing (the task and probe evidence decide among
// several). x86 remaps interrupts without mapping a doorbell. Without the guest's /proc/iomem,
// the pages the trace itself showed to be doorbells.
import { type Ballot } from '../combine.js';
import { type MapRecord, sameContext } from '../window.js';
import { type MapQuery, type MapWeigher, type Scene } from './scene.js';

export function isDoorbell(s: Scene, r: MapRecord): boolean {
  if (r.size !== 0x1000n || s.capture.arch !== 'arm64') return false;
  // without /proc/iomem: a page the trace showed to be a doorbell (ingest/facts)
  if (s.capture.ram.length === 0) return s.capture.doorbellPages.includes(r.paddr);
  return !s.capture.ram.some((x) => r.paddr >= x.start && r.paddr <= x.end);
}

export const doorbell: MapWeigher = {
  kind: 'doorbell',
  readsIova: false,
  weigh(q: MapQuery, b: Ballot): void {
    if (!q.doorbell) return;
    const lr = Math.log(q.s.w.doorbell);
    for (const d of b.cands) if ((d.type === 'DMA' || d.type === 'DMA_FQ') && !d.doorbell) b.add('doorbell', d.id, lr);
    // 6.12+: the probing driver's next DMA-API call (its rings) names the device
    const next = q.s.sighted ? nextCallDevice(q) : null;
    const d = next ? q.s.book.dmaDomainOf(next) : undefined;
    if (d) b.add('doorbell', d.id, lr);
  },
};

function nextCallDevice(q: MapQuery): string | null {
  const w = q.s.window;
  const lim = w.limit(q.i);
  for (let j = q.i + 1; j < lim; j++) {
    const x = w.at(j)!;
    if (x.kind === 'dma' && sameContext(x, q.r)) return x.device;
  }
  return null;
}
