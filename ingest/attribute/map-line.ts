// Deciding one map line. Stated facts first (the dma:* event that names the device, the rest of
// an operation already placed, an identity map of a direct region, a doorbell in a software-MSI
// window); otherwise the evidence that does not read the line's IOVA picks the domain the
// prediction is made in, then the IOVA's constraint (it must be free there) gives the final
// placement and its confidence.
import { type BookDomain } from './book.js';
import { Ballot, type Decision } from './combine.js';
import { callerMap } from './evidence/caller-map.js';
import { type Continuations } from './evidence/continuation.js';
import { type DevicePages } from './evidence/device-page.js';
import { directRegion } from './evidence/direct-region.js';
import { DriverObjects } from './evidence/driver-object.js';
import { mapCall } from './evidence/dma-event.js';
import { doorbell, isDoorbell } from './evidence/doorbell.js';
import { CONFIDENT_AT } from '../../domain-events/index.js';
import { type AllocatorOracle, allocatorAgrees } from './evidence/allocator.js';
import { freeIova } from './evidence/free-iova.js';
import { type IovaReuse } from './evidence/iova-reuse.js';
import { msiWindow } from './evidence/msi-window.js';
import { phase, workerPhaseChange } from './evidence/phase.js';
import { probe } from './evidence/probe.js';
import { QuietDevices } from './evidence/quiet-device.js';
import { recent } from './evidence/recent.js';
import { RequestShapes } from './evidence/request-shape.js';
import { type MapQuery, type MapWeigher, type Scene, type Settled } from './evidence/scene.js';
import { type CallKind } from '../predict/predictor.js';
import { type MapRecord, pagesOf, unmapExtent } from './window.js';

/** How a map line was placed, and what its prediction needs. */
export interface MapPlacement extends Decision {
  /** the domain chosen without reading the line's IOVA (the prediction's) */
  readonly pre: BookDomain | null;
  /** the IOVA was chosen by the kernel's allocator in `domain` (not a caller, not a later run) */
  readonly kernelChosen: boolean;
  readonly kind: CallKind;
  /** IOVA pages of the operation the line starts (with its continuation lines) */
  readonly pages: number;
  /** the pause before its first continuation line (null: none) */
  readonly gapNs: number | null;
  /** the pages its unmap covers, if seen in the window (one allocation or several: the request) */
  readonly unmapPages: number | null;
  readonly doorbell: boolean;
}

export class MapLines {
  private readonly beforeIova: readonly MapWeigher[];
  private readonly objects = new DriverObjects();
  readonly shapes = new RequestShapes();

  constructor(
    private readonly s: Scene,
    private readonly runs: Continuations,
    private readonly pages: DevicePages,
    private readonly reuse: IovaReuse,
    private readonly allocator: AllocatorOracle,
  ) {
    this.beforeIova = [phase, probe, pages, this.objects, doorbell, callerMap, new QuietDevices()];
  }

  /** Places the map line at window index i; null when no domain exists to take it. */
  place(i: number, r: MapRecord): MapPlacement | null {
    const s = this.s;
    const run = this.runs.continues(s, i, r);
    if (run) return { domain: run.domain, conf: run.conf, how: run.how, pre: run.domain, kernelChosen: false, kind: 'map', pages: 0, gapNs: null, unmapPages: null, doorbell: false };
    const { pages, gapNs } = s.window.continuation(i);
    const unmapPages = pages * 4096 > Number(r.size) ? unmapExtent(s.window, i) : null;
    const stated = this.stated(i, r);
    if (stated) {
      const kernel = stated.how === 'dma-event' && (stated.domain.type === 'DMA' || stated.domain.type === 'DMA_FQ');
      // every field written out: an object spread here was 5 % of the heavy import's main thread
      return { domain: stated.domain, conf: stated.conf, how: stated.how, pre: stated.domain, kernelChosen: kernel, kind: kernel ? this.callKind(i) : 'map', pages, gapNs, unmapPages, doorbell: false };
    }
    const cands = s.book.candidates();
    if (cands.length === 0) return null;
    const task = s.tasks.get(r.at, 'map');
    workerPhaseChange(s, task, r);
    const q: MapQuery = { s, i, r, task, doorbell: isDoorbell(s, r) };
    const b = new Ballot(cands);
    s.tasks.weigh(task, b);
    for (const e of this.beforeIova) e.weigh(q, b);
    // one allocation in several lines: the continuation lines and the one unmap that frees them
    // all are the request (not the IOVA being placed); separate calls are unmapped one by one
    if (gapNs !== null && unmapPages !== null && unmapPages > pagesOf(r.size)) this.shapes.listed(q);
    recent(q, b);
    const pre = b.decide('recent');
    freeIova.weigh(q, b);
    this.reuse.weigh(q, b);
    let d = b.decide('recent');
    if (d.conf < CONFIDENT_AT && !q.doorbell) {
      allocatorAgrees(q, b, this.allocator, this.reuse, { run: pages, single: pagesOf(r.size), gapNs, unmapPages });
      d = b.decide('recent');
    }
    for (const p of b.persisted) s.tasks.add(task, p.domain, p.lr, p.anchor);
    const kernelChosen = d.domain.type === 'DMA' || d.domain.type === 'DMA_FQ';
    return { domain: d.domain, conf: d.conf, how: d.how, pre: pre.domain, kernelChosen, kind: q.doorbell ? 'msi' : 'map', pages, gapNs, unmapPages, doorbell: q.doorbell };
  }

  /** A task's map line was placed (device memory and driver objects learn from it). */
  placed(i: number, r: MapRecord, p: MapPlacement, confident: number): void {
    const task = this.s.tasks.get(r.at, 'map');
    const q = { s: this.s, i, r, task, doorbell: p.doorbell };
    this.pages.placed(q, p.domain.id, p.conf, confident);
    this.objects.placed(q, p.domain.id, p.conf, confident);
    this.shapes.placed(q, p.domain.id);
  }

  private stated(i: number, r: MapRecord): Settled | null {
    const s = this.s;
    if (s.sighted) {
      const call = mapCall(s.window, i);
      const d = call ? s.book.domainForDevice(call.device, { src: null, line: r.at.line, ts: r.at.ts }) : undefined;
      if (d) return { domain: d, conf: 1, how: 'dma-event' };
    }
    return directRegion(s, r) ?? msiWindow(s, r);
  }

  private callKind(i: number): CallKind {
    const call = mapCall(this.s.window, i);
    return call && (call.call === 'alloc' || call.call === 'alloc_pages') ? 'coherent' : 'streaming';
  }
}
