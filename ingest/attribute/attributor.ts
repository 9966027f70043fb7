// Turns typed trace records into events, in trace order, placing every map and unmap line in a
// domain from evidence (evidence/, one file per kind; combine.ts weighs them) and recording on
// each Mapped/Unmapped event the kind that decided it (`how`) and the confidence (`conf`). The
// topology comes from the add/attach lines, or, for a trace that starts mid-run, from the guest
// files and the traffic (book.ts). The allocator mirror predicts every kernel-chosen IOVA before
// the line's IOVA is read (predict/).
import { DmaApiCalled, EventsLost, type IommuEvent, Mapped, MarkerWritten, type Meta, MsiPageGot, PageFaulted, RawEventKept, Unmapped } from '../../domain-events/index.js';
import { type Profile } from '../../kernel/profile.js';
import { type State } from '../../reducers/index.js';
import { type CaptureInfo, regionsOfGroup } from '../capture.js';
import { type Diagnostics } from '../diagnostics.js';
import { AllocatorMirror, isPciName, type MirrorDevice } from '../predict/mirror.js';
import { Predictor } from '../predict/predictor.js';
import { PredictionScore } from '../predict/score.js';
import { type Located } from '../records.js';
import { type BookDomain, DomainBook } from './book.js';
import { type EvidenceKind } from './evidence/kinds.js';
import { recorded } from './combine.js';
import { Completions } from './evidence/completion.js';
import { Continuations } from './evidence/continuation.js';
import { DevicePages } from './evidence/device-page.js';
import { DmaClaims } from './evidence/dma-event.js';
import { IovaReuse } from './evidence/iova-reuse.js';
import { attached } from './evidence/probe.js';
import { type Scene } from './evidence/scene.js';
import { inInterrupt, TaskBeliefs } from './evidence/task.js';
import { GroundTruth } from './ground-truth.js';
import { DeviceHints } from './hints.js';
import { LiveIndex } from './live-index.js';
import { restamp } from './restamp.js';
import { MapLines, type MapPlacement } from './map-line.js';
import { type AttributionStats, countPlaced, newStats } from './stats.js';
import { UnmapLines, type UnmapPlacement } from './unmap-line.js';
import { WEIGHTS, type EvidenceWeights } from './weights.js';
import { type MapRecord, type UnmapRecord, LOOKAHEAD, Window, pagesOf } from './window.js';

export interface AttributorOptions {
  /** trace verify --blind: hide the dma:* events from attribution and score against them */
  readonly blind?: boolean;
  readonly weights?: EvidenceWeights;
}

/** an interrupt's unmap this close before a map line of the task it interrupted came between the call's allocation and its map line */
const INTERRUPTED_MAP_NS = 2_000;
/** confidence from which a placement teaches the learned kinds (device pages, completion CPUs) */
const TEACHES_AT = 0.99;
/** a placement this sure is right >= 99.5 % of the time (docs/attribution.md, calibration): the mirror may reconcile its magazines with it */
const SURE = 0.9;

export class Attributor {
  readonly book: DomainBook;
  readonly stats: AttributionStats = newStats();
  readonly score = new PredictionScore();
  readonly mirror: AllocatorMirror;
  /** blind scoring, when asked for */
  readonly truth: GroundTruth | null;
  private readonly window: Window;
  private readonly scene: Scene;
  private readonly predictor: Predictor;
  private readonly claims = new DmaClaims();
  private readonly runs = new Continuations();
  private readonly completions = new Completions();
  private readonly reuse = new IovaReuse();
  private readonly maps: MapLines;
  private readonly unmaps: UnmapLines;
  private readonly emit: (e: IommuEvent) => void;
  private activity = 0;
  private order = 0;
  private lastTs: number | null = null;
  /** the first map or unmap line has been seen (a trace without add/attach lines before it starts mid-run) */
  private sawTraffic = false;
  private sawTopology = false;

  constructor(
    readonly capture: CaptureInfo,
    private readonly file: string,
    private readonly diag: Diagnostics,
    emit: (e: IommuEvent) => void,
    /** the journal state so far (the book asks it at a VFIO ownership switch, ownership.ts) */
    state: () => State,
    profile: Profile,
    opts: AttributorOptions = {},
  ) {
    this.mirror = new AllocatorMirror(profile, capture.cpus ?? 1);
    this.predictor = new Predictor(this.mirror, this.score);
    this.emit = (e) => {
      emit(e);
      if (e.type === 'DomainAllocated' && (e.domainType === 'DMA' || e.domainType === 'DMA_FQ') && e.group !== null) this.addMirror(e.domain, e.group, e.domainType === 'DMA_FQ');
    };
    this.book = new DomainBook(capture, this.emit, state);
    const blind = opts.blind === true;
    this.window = new Window(blind);
    const major = Number(capture.kernel?.split('.')[0] ?? 0) * 100 + Number(capture.kernel?.split('.')[1] ?? 0);
    const w = opts.weights ?? WEIGHTS;
    this.scene = { window: this.window, book: this.book, live: new LiveIndex(), tasks: new TaskBeliefs(w), hints: new DeviceHints(capture), capture, w, sighted: !blind && major >= 612, phase: null, phaseSeq: 0, phaseTs: -Infinity };
    this.maps = new MapLines(this.scene, this.runs, new DevicePages(), this.reuse, {
      answer: (domain, req, cpu, ts) => {
        const d = this.book.domains.get(domain);
        if (!d || !this.predictor.has(domain)) return null;
        const pages = this.predictor.requestPages(domain, req.run, req.single, false, req.gapNs, req.unmapPages);
        return this.predictor.guess({ domain, device: this.deviceOf(d), pages, kind: 'map', cpu, ts }).iova;
      },
      agreement: (domain, prior) => this.predictor.agreementOf(domain, prior),
    });
    this.unmaps = new UnmapLines(this.scene, this.claims);
    this.truth = blind ? new GroundTruth(this.book) : null;
  }

  /** iommu_dma_init_domain: the host bridge windows and the group's reserved regions are carved out. */
  private addMirror(domain: number, group: number, lazy: boolean): void {
    const reserved: { start: bigint; end: bigint; why: string }[] = [];
    const g = this.capture.groups.find((x) => x.id === group);
    // dma-iommu.c (6.1, 6.12) iova_reserve_pci_windows: only for a PCI device's domain
    const pci = g ? g.devices.some((d) => isPciName(d.name)) : true;
    if (pci) for (const w of this.capture.pciWindows) reserved.push({ ...w, why: 'pci-window' });
    for (const r of regionsOfGroup(this.capture, group)) {
      // arm64 reports its software MSI window as "msi": dma-iommu places doorbells itself there
      if (r.kind === 'msi' && this.capture.arch === 'arm64') continue;
      reserved.push({ start: r.start, end: r.end, why: r.kind });
    }
    this.mirror.addDomain(domain, { lazy, reserved });
  }

  /** The device a domain's allocations are made for: its bus decides the 32-bit-first rule. */
  private deviceOf(d: BookDomain): MirrorDevice {
    const name = this.book.deviceOf(d);
    // a domain no file names: PCI assumed (every device of the captures this was measured on is PCI)
    return name ? { name, pci: isPciName(name) } : { name: `domain${d.id}`, pci: true };
  }

  push(records: readonly Located[]): void {
    for (const r of records) {
      if (r.kind === 'dma' && this.window.visible(r)) this.scene.sighted = true;
      this.window.push(r);
      this.lastTs = r.at.ts;
    }
    this.drain(false);
  }

  finish(): void {
    this.drain(true);
    this.releaseFrees();
    this.mirror.settleAll(this.lastTs);
    this.emitMirror({ src: this.file, ts: this.lastTs }, 0.6);
  }

  private drain(final: boolean): void {
    while (this.window.pending > 0) {
      const i = this.window.headIndex;
      const r = this.window.at(i)!;
      // maps and unmaps look ahead (the rest of a multi-run map, the dma:* event of a call)
      if ((r.kind === 'map' || r.kind === 'unmap') && !final && this.window.pending <= LOOKAHEAD) break;
      this.handle(i, r);
      this.window.advance();
    }
  }

  /**
   * The envelope of a record's events. Every meta made here has one shape (all of Meta's keys,
   * how and conf null until a placement sets them), so the event constructors read it
   * monomorphically; a spread `{ ...meta, how, conf }` per map/unmap was a tenth of attribution.
   */
  private meta(r: Located, how: EvidenceKind | null = null, conf: number | null = null): Meta {
    const at = r.at;
    return { ts: at.ts, cpu: at.cpu, src: this.file, line: at.line, cmd: null, task: at.task || null, pid: at.pid >= 0 ? at.pid : null, irq: at.irq, how, conf };
  }

  private handle(i: number, r: Located): void {
    this.truth?.observe(this.window, i);
    if (r.kind === 'map' || r.kind === 'unmap') {
      // their events carry how and conf: map and unmap make their own meta once placed
      if (!this.sawTraffic) this.firstTraffic(this.meta(r));
      return r.kind === 'map' ? this.map(i, r) : this.unmap(i, r);
    }
    const meta = this.meta(r);
    if (r.kind !== 'dma') this.runs.interrupted(r);
    switch (r.kind) {
      case 'group-add':
        this.sawTopology = true;
        this.book.groupAdd(r.device, r.group, meta);
        return attached(this.scene, r.at, r.device, this.book.dmaDomainOf(r.device));
      case 'group-remove':
        return this.book.groupRemove(r.device, r.group, meta);
      case 'attach': {
        this.sawTopology = true;
        // not traffic (evidence/recent.ts): the task that attached goes on to probe (probe.ts)
        const d = this.book.attach(r.device, meta);
        return attached(this.scene, r.at, r.device, d);
      }
      case 'detach':
        return this.book.detach(r.device, meta);
      case 'marker':
        this.scene.phase = r.text;
        this.scene.phaseSeq++;
        this.scene.phaseTs = r.at.ts;
        return this.emit(MarkerWritten.make({ text: r.text }, meta));
      case 'lost':
        return this.emit(EventsLost.make({ count: r.count }, meta));
      case 'raw':
        return this.emit(RawEventKept.make({ name: r.name, text: r.text }, meta));
      case 'fault': {
        const g = this.book.groupOf.get(r.device);
        const d = g === undefined ? undefined : this.book.current.get(g);
        return this.emit(PageFaulted.make({ device: r.device, driver: r.driver, iova: r.iova, flags: r.flags, domain: d?.id ?? null }, meta));
      }
      case 'dma':
        return this.dma(r, meta);
    }
  }

  /**
   * The first map or unmap line. A trace that shows no add/attach line before it started after
   * the devices were set up: its domains come from the guest files (and, without them, from the
   * traffic).
   */
  private firstTraffic(meta: Meta): void {
    this.sawTraffic = true;
    if (this.sawTopology) return;
    this.stats.discoveredDomains += this.book.discoverFromGroups({ ...meta, how: 'discovered', conf: 0.8 });
  }

  private dma(r: Extract<Located, { kind: 'dma' }>, meta: Meta): void {
    if (!this.window.visible(r)) return;
    this.claims.observe(r);
    const d = this.book.dmaDomainOf(r.device);
    this.emit(DmaApiCalled.make({ device: r.device, call: r.call, dir: r.dir, dmaAddr: r.dmaAddr, phys: r.phys, size: r.size, attrs: r.attrs, gfp: r.gfp, sg: r.sg, errno: null, domain: d?.id ?? null }, meta));
  }

  private map(i: number, r: MapRecord): void {
    this.stats.mapLines++;
    const truth = this.truth?.truthOf(this.window, i) ?? null;
    let p = this.maps.place(i, r);
    if (!p && this.book.candidates().length === 0 && this.capture.groups.length === 0) {
      // a bare trace that starts mid-run: the first allocator stream
      this.book.discoverAnonymous(this.meta(r));
      this.stats.discoveredDomains++;
      p = this.maps.place(i, r);
    }
    if (p && p.how !== 'dma-event' && p.how !== 'continuation' && p.how !== 'direct-region' && p.how !== 'msi-window' && this.capture.groups.length === 0 && this.blockedEverywhere(r)) {
      // live in every known domain at once: another domain's allocator stream
      const d = this.book.discoverAnonymous(this.meta(r));
      this.stats.discoveredDomains++;
      p = { ...p, domain: d, pre: p.pre, conf: 0.5, how: 'free-iova' };
    }
    if (truth) this.truth!.scoreLine(r.at.line, 'map', truth, p?.domain ?? null, p?.conf ?? 0, p?.how ?? null);
    else this.truth?.unnamed(p?.domain ?? null);
    if (!p) {
      this.stats.unattributed++;
      this.diag.count('unattributed');
      return;
    }
    const pfn = Number(r.iova >> 12n);
    const pages = pagesOf(r.size);
    if (this.scene.live.blocker(p.domain.id, pfn, pages)) {
      this.stats.conflicts++;
      this.diag.count('conflicts');
    }
    const conf = p.how === 'dma-event' || p.how === 'direct-region' ? 1 : recorded(p.conf);
    countPlaced(this.stats, 'map', p.how, conf);
    if (p.how !== 'direct-region') {
      // an identity map of a direct region is the IOMMU core's setup at attach, not the driver's traffic
      p.domain.lastActivity = ++this.activity;
      p.domain.lastConf = p.conf;
    }
    const m = this.meta(r, p.how, conf === 1 && p.how === 'dma-event' ? null : conf);
    let allocated = p.pages;
    if (p.kernelChosen && this.predictor.has(p.domain.id)) allocated = this.predict(r, p, m);
    else if (p.how !== 'continuation') this.predictor.callerChosen();
    if (p.how !== 'continuation') this.runs.started(r, p.domain, p.conf, allocated);
    this.emit(Mapped.make({ domain: p.domain.id, iova: r.iova, paddr: r.paddr, size: r.size, prot: null, leaves: null, warn: 0 }, m));
    if (p.doorbell || p.how === 'msi-window') {
      p.domain.doorbell = true;
      const cookie = p.domain.type === 'UNMANAGED' ? 'msi' : 'dma';
      this.emit(MsiPageGot.make({ domain: p.domain.id, device: null, doorbell: r.paddr, iova: r.iova, cookie, reused: false, refcount: 0 }, m));
    }
    this.releaseFrees();
    this.scene.live.add(p.domain.id, pfn, pages, { conf: p.conf, task: this.scene.tasks.get(r.at, 'map').key, cpu: r.at.cpu, ts: r.at.ts, line: r.at.line, order: ++this.order });
    this.maps.placed(i, r, p, TEACHES_AT);
  }

  /** The guess, made in the domain chosen without the IOVA; then the mirror takes in what the trace shows. */
  private predict(r: MapRecord, p: MapPlacement, meta: Meta): number {
    const pre = p.pre && this.predictor.has(p.pre.id) ? p.pre : null;
    const single = pagesOf(r.size);
    const g = pre ? this.predictor.guess({ domain: pre.id, device: this.deviceOf(pre), pages: this.predictor.requestPages(pre.id, p.pages, single, p.how === 'dma-event', p.gapNs, p.unmapPages), kind: p.kind, cpu: r.at.cpu, ts: r.at.ts }) : null;
    // placed elsewhere than the evidence before the IOVA said, because of the IOVA's own history:
    // the allocator's state selected the domain (never an exact prediction)
    // the mirror reconciles a lazy copy's magazines with an allocation it takes in as found only
    // where the line's domain is sure (stated, or a confidence that is right >= 99.5 % of the
    // time): moved on a line of another domain they go wrong (heavy cut, blind: placement after
    // warm-up 75.4 % -> 63.3 % when every line reconciled, 75.4 % with this bound)
    const allocatorOnly = p.pre !== null && p.pre.id !== p.domain.id && (p.how === 'iova-reuse' || p.how === 'allocator');
    const allocated = this.predictor.settle(g, p.domain.id, this.deviceOf(p.domain), p.kind, p.pages, single, p.gapNs, r.iova, r.at.line, r.at.cpu, r.at.ts, allocatorOnly, p.how === 'dma-event' || p.conf >= SURE);
    if (!g) this.score.guessed(r.at.line, r.iova, null, false, 'no DMA domain to predict in before the IOVA was read');
    // dma-iommu allocates the IOVA, then maps it
    this.emitMirror(meta, p.conf >= 0.9 ? 0.9 : 0.6);
    return allocated;
  }

  /** frees held back until the map line an interrupt's unmap came before (see unmap) */
  private deferredFrees: { domain: number; iova: bigint; pages: number; cpu: number; ts: number }[] = [];

  /** The unmap at i ran in an interrupt that hit a map call of the same task on its CPU before the call's map line. */
  private interruptsMap(i: number, r: UnmapRecord): boolean {
    if (!inInterrupt(r.at) || r.at.pid <= 0) return false;
    const lim = this.window.limit(i);
    for (let j = i + 1; j < lim; j++) {
      const x = this.window.at(j)!;
      if (x.at.cpu !== r.at.cpu || !this.window.visible(x)) continue;
      if (x.kind === 'unmap' && inInterrupt(x.at) && x.at.pid === r.at.pid) continue;
      return x.kind === 'map' && x.at.pid === r.at.pid && !inInterrupt(x.at) && x.at.ts - r.at.ts <= INTERRUPTED_MAP_NS;
    }
    return false;
  }

  private releaseFrees(): void {
    for (const f of this.deferredFrees) this.mirror.free(f.domain, f.iova, f.pages, f.cpu, f.ts);
    this.deferredFrees = [];
  }

  /** The map's range is live, placed with confidence, in every domain the book knows. */
  private blockedEverywhere(r: MapRecord): boolean {
    const pfn = Number(r.iova >> 12n);
    const pages = pagesOf(r.size);
    const cands = this.book.candidates();
    return cands.length > 0 && cands.every((d) => (this.scene.live.blocker(d.id, pfn, pages)?.conf ?? 0) >= 0.9);
  }

  private unmap(i: number, r: UnmapRecord): void {
    this.stats.unmapLines++;
    const truth = this.truth?.truthOf(this.window, i) ?? null;
    const p = this.unmaps.place(i, r);
    if (truth) this.truth!.scoreLine(r.at.line, 'unmap', truth, p?.domain ?? null, p?.conf ?? 0, p?.how ?? null);
    else this.truth?.unnamed(p?.domain ?? null);
    if (!p) {
      this.stats.unattributed++;
      this.diag.count('unattributed');
      return;
    }
    if (p.hole) {
      if (p.domain.fromStart) {
        this.stats.conflicts++;
        this.diag.count('conflicts');
      } else this.stats.preTrace++;
    }
    const conf = p.how === 'dma-event' ? 1 : recorded(p.conf);
    countPlaced(this.stats, 'unmap', p.how, conf);
    p.domain.lastActivity = ++this.activity;
    p.domain.lastConf = p.conf;
    const pfn = Number(r.iova >> 12n);
    const pages = pagesOf(r.size);
    if (p.holder) this.completions.unmapped(this.scene, p.holder, r.at.cpu, p.domain, p.conf, TEACHES_AT);
    if (p.holder) this.maps.shapes.completed(this.scene, p.holder, r.at.line);
    this.scene.live.remove(p.domain.id, pfn, pages);
    this.reuse.unmapped(r.iova, p.domain.id, r.at.ts, p.conf, p.holder?.task ?? null);
    if (this.mirror.has(p.domain.id)) {
      if (p.how === 'pre-trace') this.mirror.adopt(p.domain.id, r.iova, pages, r.at.cpu, r.at.ts);
      // an interrupt's unmap traced between a map call's IOVA allocation and its map line (the
      // line shows the interrupted task and the same instant): the kernel freed after allocating
      if (this.interruptsMap(i, r)) this.deferredFrees.push({ domain: p.domain.id, iova: r.iova, pages, cpu: r.at.cpu, ts: r.at.ts });
      else this.mirror.free(p.domain.id, r.iova, pages, r.at.cpu, r.at.ts);
    }
    const m = this.meta(r, p.how, p.how === 'dma-event' ? null : conf);
    this.emit(Unmapped.make({ domain: p.domain.id, iova: r.iova, size: r.size, unmappedSize: r.unmapped, warn: 0 }, m));
    // __iommu_dma_unmap: the page tables first, then the IOVA goes back to the allocator
    this.emitMirror(m, conf);
  }

  /**
   * The allocator events the mirror decided (IOVA allocated, freed, cached; flush-queue entries
   * and timer firings of lazy domains), recorded in the journal with the trace line that implied
   * them: the IOVA tree of an imported trace is the model's reading of it (how 'allocator-model').
   */
  private emitMirror(meta: Meta, conf: number): void {
    for (const e of this.mirror.drain()) this.emit(restamp(e, meta.ts ?? e.ts, meta.src ?? null, meta.line ?? null, 'allocator-model', conf));
  }
}
