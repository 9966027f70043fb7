// Turns typed trace records into events, in trace order, deciding which domain every map and
// unmap belongs to. Strategies, strongest first, each recorded on the event (`how`, `conf`):
// the 6.12 dma:* events; identity maps of a group's direct region; doorbells (MMIO pages mapped
// at probe, or into a software-MSI window); the page-table state (a map needs free pages, an
// unmap live ones); the continuation of a multi-run map; the most recently active domain.
import {
  DmaApiCalled,
  EventsLost,
  type IommuEvent,
  Mapped,
  MarkerWritten,
  type Meta,
  MsiPageGot,
  PageFaulted,
  RawEventKept,
  Unmapped,
} from '../../domain-events/index.js';
import { type State } from '../../reducers/index.js';
import { type CaptureInfo, regionsOfGroup } from '../capture.js';
import { type Diagnostics } from '../diagnostics.js';
import { type Located } from '../records.js';
import { type BookDomain, DomainBook } from './book.js';
import { DeviceHints } from './hints.js';
import { claimMap, claimUnmapAfter } from './claims.js';
import { isFree, isFullyLive, liveIn, runStartSeq } from './liveness.js';
import { AllocatorMirror } from '../predict/mirror.js';
import { PredictionScore } from '../predict/score.js';
import { type Profile } from '../../kernel/profile.js';

const LOOKAHEAD = 2048;
/** longest pause inside one multi-run map (sg list, coherent buffer) seen as one operation */
const RUN_GAP_NS = 1_000_000;

export interface Attribution {
  readonly domain: BookDomain;
  readonly how: string;
  readonly conf: number;
}

export interface AttributionStats {
  maps: number;
  unmaps: number;
  byHow: Record<string, number>;
  conflicts: number;
  unattributed: number;
}

export class Attributor {
  readonly book: DomainBook;
  readonly stats: AttributionStats = { maps: 0, unmaps: 0, byHow: {}, conflicts: 0, unattributed: 0 };
  private window: Located[] = [];
  private head = 0;
  private dmaMode: boolean;
  /** dma_unmap_sg / dma_free seen: the next unmap of that context belongs to this device */
  private readonly expectUnmap = new Map<string, string>();
  /** last attributed map per context: a multi-run map continues in the same domain */
  private readonly lastMap = new Map<string, { domain: BookDomain; end: bigint; line: number }>();
  /** a multi-run map (sg, coherent) in progress per context: its IOVA range ends here */
  private readonly extent = new Map<string, { end: bigint }>();
  private activity = 0;
  /** the kind of the last record per context: a map continues a multi-run map only right after one */
  private readonly lastKind = new Map<string, string>();
  readonly mirror: AllocatorMirror;
  private readonly hints: DeviceHints;
  /** the last phase marker */
  private phase: string | null = null;
  /** trace time of the last record read */
  private lastTs: number | null = null;
  readonly score = new PredictionScore();
  /** DMA mask that matched per device and call kind (learned from the trace; 64 until shown otherwise) */
  private readonly maskOf = new Map<string, number>();
  private readonly emit: (e: IommuEvent) => void;

  constructor(
    readonly capture: CaptureInfo,
    private readonly file: string,
    private readonly diag: Diagnostics,
    emit: (e: IommuEvent) => void,
    private readonly state: () => State,
    profile: Profile,
  ) {
    this.mirror = new AllocatorMirror(profile, capture.cpus ?? 1);
    this.hints = new DeviceHints(capture);
    this.emit = (e) => {
      emit(e);
      if (e.type === 'DomainAllocated' && (e.domainType === 'DMA' || e.domainType === 'DMA_FQ') && e.group !== null) this.addMirror(e.domain, e.group, e.domainType === 'DMA_FQ');
    };
    this.book = new DomainBook(capture, this.emit, state);
    const major = Number(capture.kernel?.split('.')[0] ?? 0) * 100 + Number(capture.kernel?.split('.')[1] ?? 0);
    this.dmaMode = major >= 612;
  }

  /** iommu_dma_init_domain: the host bridge windows and the group's reserved regions are carved out. */
  private addMirror(domain: number, group: number, lazy: boolean): void {
    const reserved: { start: bigint; end: bigint; why: string }[] = [];
    const pci = this.capture.groups.find((g) => g.id === group)?.devices.some((d) => isPciName(d.name)) ?? true;
    if (pci) for (const w of this.capture.pciWindows) reserved.push({ ...w, why: 'pci-window' });
    for (const r of regionsOfGroup(this.capture, group)) {
      // arm64 reports its software MSI window as "msi": dma-iommu places doorbells itself there
      if (r.kind === 'msi' && this.capture.arch === 'arm64') continue;
      reserved.push({ start: r.start, end: r.end, why: r.kind });
    }
    this.mirror.addDomain(domain, { lazy, reserved });
  }

  /** A device of the domain (the one whose mask and PCI rules the allocation follows). */
  private deviceOf(d: BookDomain): string {
    for (const [dev, g] of this.book.groupOf) if (g === d.group) return dev;
    return `group${d.group}`;
  }

  push(records: readonly Located[]): void {
    for (const r of records) {
      if (r.kind === 'dma') this.dmaMode = true;
      this.window.push(r);
      this.lastTs = r.at.ts;
    }
    this.drain(false);
  }

  finish(): void {
    this.drain(true);
    this.mirror.settleAll(this.lastTs);
    this.emitMirror({ src: this.file, ts: this.lastTs }, 0.6);
  }

  private drain(final: boolean): void {
    while (this.head < this.window.length) {
      const r = this.window[this.head];
      // maps look ahead for their dma event (6.12) and for the rest of a multi-run map
      const needsLookahead = r.kind === 'map' || (this.dmaMode && r.kind === 'unmap');
      if (needsLookahead && !final && this.window.length - this.head <= LOOKAHEAD) break;
      this.handle(this.head);
      this.head++;
    }
    if (this.head > 4096) {
      this.window = this.window.slice(this.head);
      this.head = 0;
    }
  }

  private meta(r: Located, extra: Partial<Meta> = {}): Meta {
    return { ts: r.at.ts, cpu: r.at.cpu, src: this.file, line: r.at.line, task: r.at.task || null, pid: r.at.pid >= 0 ? r.at.pid : null, irq: r.at.irq, ...extra };
  }

  private handle(i: number): void {
    const r = this.window[i];
    const meta = this.meta(r);
    const key = this.ctxKey(r);
    const prevKind = this.lastKind.get(key);
    this.lastKind.set(key, r.kind === 'unmap' && prevKind === 'map' ? 'map' : r.kind);
    if (r.kind === 'map') return this.map(i, r, meta, prevKind === 'map');
    switch (r.kind) {
      case 'group-add':
        return this.book.groupAdd(r.device, r.group, meta);
      case 'group-remove':
        return this.book.groupRemove(r.device, r.group, meta);
      case 'attach':
        this.book.attach(r.device, meta).lastActivity = ++this.activity;
        return;
      case 'detach':
        return this.book.detach(r.device, meta);
      case 'marker':
        this.phase = r.text;
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
      case 'unmap':
        return this.unmap(i, r, meta);
    }
  }

  private ctxKey(r: Located): string {
    return `${r.at.pid}/${r.at.cpu}`;
  }

  private dma(r: Extract<Located, { kind: 'dma' }>, meta: Meta): void {
    const d = this.book.dmaDomainOf(r.device);
    if (r.call === 'unmap_sg' || r.call === 'free' || r.call === 'free_pages' || r.call === 'free_sgt') this.expectUnmap.set(this.ctxKey(r), r.device);
    if (!this.book.groupOf.has(r.device) && !d) {
      // a device outside every IOMMU group (dma-direct, e.g. the IOMMU's own queues)
    }
    this.emit(DmaApiCalled.make({ device: r.device, call: r.call, dir: r.dir, dmaAddr: r.dmaAddr, phys: r.phys, size: r.size, attrs: r.attrs, gfp: r.gfp, sg: r.sg, errno: null, domain: d?.id ?? null }, meta));
  }

  private count(how: string): void {
    this.stats.byHow[how] = (this.stats.byHow[how] ?? 0) + 1;
  }

  private map(i: number, r: Extract<Located, { kind: 'map' }>, meta: Meta, afterMap: boolean): void {
    this.stats.maps++;
    const key = this.ctxKey(r);
    const prev = this.lastMap.get(key);
    const ext = this.extent.get(key);
    // a run that would land on a live mapping of the same domain is a new allocation that happens
    // to follow the last one (two sg lists back to back), not the rest of it
    const continues = afterMap && prev !== undefined && prev.end === r.iova && ext !== undefined && r.iova < ext.end && isFree(this.state(), prev.domain.id, r.iova, r.size);
    if (!continues) this.extent.delete(key);
    const claim = this.dmaMode && !continues ? claimMap(this.window, i, LOOKAHEAD) : null;
    const single = Number((r.size + 0xfffn) / 0x1000n);
    const multi = continues ? 0 : claim ? this.claimExtentPages(i, r) : this.extentPages(i, r);
    const hyps = continues ? [] : claim || multi === single ? [multi] : this.grouping(i, r, multi, single);
    const a = continues ? { domain: prev.domain, how: 'continuation', conf: 0.95 } : this.attributeMap(r, claim, hyps);
    if (!a) {
      this.stats.unattributed++;
      this.diag.count('unattributed');
      return;
    }
    const s = this.state();
    if (!isFree(s, a.domain.id, r.iova, r.size)) {
      this.stats.conflicts++;
      this.diag.count('conflicts');
    }
    this.count(a.how);
    a.domain.lastActivity = ++this.activity;
    this.lastMap.set(key, { domain: a.domain, end: r.iova + r.size, line: r.at.line });
    const m = { ...meta, how: a.how, conf: a.conf };
    const emitMap = () => {
      this.emit(Mapped.make({ domain: a.domain.id, iova: r.iova, paddr: r.paddr, size: r.size, prot: null, leaves: null, warn: 0 }, m));
      if (a.how === 'doorbell' || a.how === 'msi-window') {
        a.domain.doorbell = true;
        const cookie = a.domain.type === 'UNMANAGED' ? 'msi' : 'dma';
        this.emit(MsiPageGot.make({ domain: a.domain.id, device: null, doorbell: r.paddr, iova: r.iova, cookie, reused: false, refcount: 0 }, m));
      }
    };
    if (continues) return emitMap();
    if (!this.mirror.has(a.domain.id) || a.how === 'direct-region') {
      this.score.callerChosen(true);
      return emitMap();
    }
    // the kernel chose this IOVA: score the mirror's prediction for the operation the trace
    // implies, then let the mirror allocate what the trace shows
    const device = claim ?? this.deviceOf(a.domain);
    // a doorbell is allocated under the mask the device has at MSI setup, often still the
    // default 32-bit one the driver widens later: learn it apart from the driver's own maps
    const kind = a.how === 'doorbell' || a.how === 'msi-window' ? 'msi' : claim ? this.claimKind(i) : 'map';
    const sizes = hyps;
    const guess = this.predictFor(a.domain, device, kind, sizes, r);
    const learned = this.maskOf.get(`${device}/${kind}`) ?? 64;
    const order = guess.pages === null ? sizes : [guess.pages, ...sizes.filter((x) => x !== guess.pages)];
    const got = this.mirror.resolve(a.domain.id, device, r.iova, order, learned === 64 ? [64, 32] : [learned], r.at.cpu, r.at.ts);
    if (got && got.mask !== learned) this.maskOf.set(`${device}/${kind}`, got.mask);
    const pages = got?.pages ?? order[0];
    if (pages > single) this.extent.set(key, { end: r.iova + BigInt(pages) * 0x1000n });
    // dma-iommu allocates the IOVA, then maps it
    this.emitMirror(meta, got ? 0.9 : 0.6);
    emitMap();
    this.score.record(r.at.line, r.iova, guess.iova, this.whyMissed(a.domain, guess.iova, r.iova));
    if (process.env.IJ_DEBUG && guess.iova !== r.iova && this.score.maps - this.score.exact < 12)
      process.stderr.write(`line ${r.at.line} iova ${r.iova.toString(16)} pages ${multi}/${single} -> dom ${a.domain.id} (${a.how}) predicted ${guess.iova?.toString(16)} resolved ${JSON.stringify(got)}\n`);
  }

  /**
   * One allocation for the whole run of contiguous maps (dma_map_sg, a coherent buffer) or one
   * per map (dma_map_page calls whose IOVAs happen to follow each other)? The unmap tells: the
   * former is unmapped as one range. Unknown in the window: both, the run first.
   */
  private grouping(i: number, r: Extract<Located, { kind: 'map' }>, multi: number, single: number): number[] {
    for (let j = i + 1; j < this.window.length && j <= i + LOOKAHEAD; j++) {
      const x = this.window[j];
      if (x.kind !== 'unmap' || x.iova !== r.iova) continue;
      const pages = Number((x.size + 0xfffn) / 0x1000n);
      if (pages === multi) return [multi];
      // the unmap may belong to another domain (every domain's allocator starts at the same top
      // IOVA): it orders the hypotheses, the allocator decides between them
      if (pages === single) return [single, multi];
      // an sg list as long as its unmap, followed at the next IOVAs by another one
      if (pages > single && pages < multi) return [pages, multi, single];
      break;
    }
    return [multi, single];
  }

  /**
   * The mirror's prediction for this allocation, trying the multi-run and the single size and
   * the learned or a 32-bit mask: the first that gives the trace's IOVA, else the plain guess.
   */
  private predictFor(d: BookDomain, device: string, kind: string, sizes: readonly number[], r: Extract<Located, { kind: 'map' }>): { iova: bigint | null; pages: number | null } {
    const learned = this.maskOf.get(`${device}/${kind}`) ?? 64;
    let first: bigint | null | undefined;
    for (const pages of new Set(sizes.filter((x) => x > 0))) {
      for (const mask of learned === 64 ? [64, 32] : [learned]) {
        const p = this.mirror.predict(d.id, device, pages, mask, r.at.cpu, r.at.ts).iova;
        if (first === undefined) first = p;
        if (p === r.iova) {
          if (mask !== learned) this.maskOf.set(`${device}/${kind}`, mask);
          return { iova: p, pages };
        }
      }
    }
    return { iova: first ?? null, pages: null };
  }

  /** The next run of the same context continues this one physically: iommu_map_sg would have merged them. */
  private contiguousNext(i: number, r: Extract<Located, { kind: 'map' }>): boolean {
    for (let j = i + 1; j < this.window.length && j <= i + LOOKAHEAD; j++) {
      const x = this.window[j];
      if (x.at.pid !== r.at.pid || x.at.cpu !== r.at.cpu || x.kind === 'unmap') continue;
      return x.kind === 'map' && x.iova === r.iova + r.size && x.paddr === r.paddr + r.size;
    }
    return false;
  }

  /** Pages of the allocation a claimed map starts, as its dma event describes it. */
  private claimExtentPages(i: number, r: Extract<Located, { kind: 'map' }>): number {
    const m = this.window[i];
    for (let j = i + 1; j < this.window.length && j <= i + LOOKAHEAD; j++) {
      const d = this.window[j];
      if (d.kind !== 'dma' || d.at.pid !== m.at.pid || d.at.cpu !== m.at.cpu || !isMapCall(d.call)) continue;
      if (d.call === 'map_sg' && d.sg && d.sg.dmaAddrs.length && !d.sg.truncated) {
        const k = d.sg.dmaAddrs.length - 1;
        return Number((d.sg.dmaAddrs[k] + d.sg.sizes[k] - r.iova + 0xfffn) / 0x1000n);
      }
      if ((d.call === 'alloc' || d.call === 'alloc_pages') && d.size !== null) return Number((d.size + 0xfffn) / 0x1000n);
      if (d.call === 'map_sg') return this.extentPages(i, r);
      return Number((r.size + 0xfffn) / 0x1000n);
    }
    return this.extentPages(i, r);
  }

  private whyMissed(d: BookDomain, predicted: bigint | null, actual: bigint): string {
    if (predicted === actual) return '';
    if (predicted === null) return 'the model found no free IOVA';
    if (d.type === 'DMA_FQ') return 'lazy mode: flush-queue timing decides when IOVAs come back';
    return 'the model chose another IOVA';
  }

  /** Pages of the allocation a map starts: its size plus the contiguous runs that follow it. */
  private extentPages(i: number, r: Extract<Located, { kind: 'map' }>): number {
    let end = r.iova + r.size;
    let last = r.at.ts;
    for (let j = i + 1; j < this.window.length && j <= i + LOOKAHEAD; j++) {
      const x = this.window[j];
      // the runs of one sg list or buffer are mapped back to back (iommu_map_sg's loop): a gap
      // of a millisecond ends the extent (and spares scanning the whole window per map)
      if (x.at.ts - last > RUN_GAP_NS) break;
      if (x.at.pid !== r.at.pid || x.at.cpu !== r.at.cpu) continue;
      last = x.at.ts;
      if (x.kind === 'unmap') continue; // a completion interrupt in the same context
      if (x.kind !== 'map' || x.iova !== end) break;
      end += x.size;
    }
    return Number((end - r.iova + 0xfffn) / 0x1000n);
  }

  private claimKind(i: number): string {
    const m = this.window[i];
    for (let j = i + 1; j < this.window.length && j <= i + LOOKAHEAD; j++) {
      const r = this.window[j];
      if (r.kind === 'dma' && r.at.pid === m.at.pid && r.at.cpu === m.at.cpu && isMapCall(r.call)) return r.call === 'alloc' || r.call === 'alloc_pages' ? 'coherent' : 'streaming';
    }
    return 'streaming';
  }

  private attributeMap(r: Extract<Located, { kind: 'map' }>, claim: string | null, sizes: readonly number[]): Attribution | null {
    if (claim) {
      const d = this.book.dmaDomainOf(claim);
      if (d) return { domain: d, how: 'dma-event', conf: 1 };
    }
    const special = this.specialMap(r);
    if (special) return special;
    const s = this.state();
    const free = this.book.candidates().filter((d) => isFree(s, d.id, r.iova, r.size));
    if (this.dmaMode) {
      // 6.12 traces a dma:* event for every DMA-API map: a map without one is an iommu_map()
      // by its caller (VFIO, iommufd) at an IOVA it chose, in an UNMANAGED domain
      const unmanaged = free.filter((d) => d.type === 'UNMANAGED');
      if (unmanaged.length) return { domain: mostRecent(unmanaged), how: 'caller-map', conf: unmanaged.length === 1 ? 0.9 : 0.6 };
    }
    if (free.length === 1) return { domain: free[0], how: 'only-free', conf: 0.9 };
    if (free.length > 1) {
      // the domains whose allocator would have handed out this very IOVA
      const agree = free.filter((d) => this.mirror.has(d.id) && this.predictFor(d, this.deviceOf(d), 'map', sizes, r).pages !== null);
      const hinted = this.hinted(r);
      // a lazy domain's allocator depends on when its flush timer fired: if some firing gives
      // this IOVA in the domain the hints name, that beats another domain's plain agreement
      if (hinted && free.includes(hinted) && !agree.includes(hinted) && this.mirror.isLazy(hinted.id)) {
        const dev = this.deviceOf(hinted);
        const learned = this.maskOf.get(`${dev}/map`) ?? 64;
        if (this.mirror.fork().resolve(hinted.id, dev, r.iova, sizes, learned === 64 ? [64, 32] : [learned], r.at.cpu, r.at.ts)) return { domain: hinted, how: 'hint-timer', conf: 0.75 };
      }
      if (agree.length === 1) return { domain: agree[0], how: 'allocator', conf: 0.95 };
      if (agree.length > 1) return hinted && agree.includes(hinted) ? { domain: hinted, how: 'allocator-hint', conf: 0.85 } : { domain: mostRecent(agree), how: 'allocator-recent', conf: 0.7 };
      return { domain: mostRecent(free), how: 'recent-free', conf: 0.5 };
    }
    const all = this.book.candidates();
    return all.length ? { domain: mostRecent(all), how: 'conflict', conf: 0.1 } : null;
  }

  /**
   * The allocator events the mirror decided (IOVA allocated, freed, cached; flush-queue entries
   * and timer firings of lazy domains), recorded in the journal with the trace line that implied
   * them: the IOVA tree of an imported trace is the model's reading of it, marked as such
   * (how 'allocator-model').
   */
  private emitMirror(meta: Meta, conf: number): void {
    for (const e of this.mirror.drain()) this.emit({ ...e, ts: meta.ts ?? e.ts, src: meta.src ?? null, line: meta.line ?? null, how: 'allocator-model', conf } as IommuEvent);
  }

  /** The current DMA domain of the device the phase marker or the probe timeline points at. */
  private hinted(r: Located): BookDomain | undefined {
    const dev = this.hints.deviceAt(r.at.ts, this.phase);
    return dev ? this.book.dmaDomainOf(dev) : undefined;
  }

  /** Maps whose nature says where they go: identity maps of a direct region, MSI doorbells. */
  private specialMap(r: Extract<Located, { kind: 'map' }>): Attribution | null {
    const end = r.iova + r.size - 1n;
    for (const g of this.capture.groups) {
      for (const reg of g.regions) {
        if (r.iova < reg.start || end > reg.end) continue;
        if ((reg.kind === 'direct' || reg.kind === 'direct-relaxable') && r.iova === r.paddr)
          return { domain: this.book.ensureDefault(g.id, { src: this.file, line: r.at.line, ts: r.at.ts }), how: 'direct-region', conf: 1 };
        if (reg.kind === 'msi' && this.capture.arch === 'arm64') {
          const cur = this.book.current.get(g.id);
          if (cur && cur.type === 'UNMANAGED') return { domain: cur, how: 'msi-window', conf: 0.95 };
        }
      }
    }
    if (r.size === 0x1000n && this.isMmio(r.paddr) && this.capture.arch !== 'x86_64') {
      const s = this.state();
      const waiting = [...this.book.current.values()].filter((d) => (d.type === 'DMA' || d.type === 'DMA_FQ') && !d.doorbell && isFree(s, d.id, r.iova, r.size));
      // the probing driver's next DMA-API call names the device (6.12)
      const next = this.nextDmaDevice(r);
      const named = next ? this.book.dmaDomainOf(next) : undefined;
      if (named && waiting.includes(named)) return { domain: named, how: 'doorbell', conf: 0.95 };
      if (waiting.length > 1) {
        // the probing driver's next allocation follows its doorbell in the same domain: try each
        const fits = waiting.filter((d) => this.doorbellFits(d, r));
        if (fits.length === 1) return { domain: fits[0], how: 'doorbell', conf: 0.9 };
      }
      if (waiting.length) return { domain: mostRecent(waiting), how: 'doorbell', conf: 0.8 };
    }
    return null;
  }

  /** With the doorbell allocated in d, would d's allocator give the context's next map its IOVA? */
  private doorbellFits(d: BookDomain, r: Extract<Located, { kind: 'map' }>): boolean {
    if (!this.mirror.has(d.id)) return false;
    const i = this.window.indexOf(r, this.head);
    let j = i + 1;
    for (; j < this.window.length && j <= i + LOOKAHEAD; j++) {
      const x = this.window[j];
      if (x.at.pid === r.at.pid && x.at.cpu === r.at.cpu && x.kind === 'map') break;
    }
    const next = this.window[j];
    if (!next || next.kind !== 'map') return false;
    const dev = this.deviceOf(d);
    const trial = this.mirror.fork();
    if (!trial.resolve(d.id, dev, r.iova, [1], [64, 32], r.at.cpu, r.at.ts)) return false;
    const multi = this.extentPages(j, next);
    const single = Number((next.size + 0xfffn) / 0x1000n);
    for (const pages of new Set([multi, single]))
      for (const mask of [64, 32]) if (trial.predict(d.id, dev, pages, mask, next.at.cpu, next.at.ts).iova === next.iova) return true;
    return false;
  }

  private nextDmaDevice(r: Located): string | null {
    const i = this.window.indexOf(r, this.head);
    for (let j = i + 1; j < this.window.length && j <= i + LOOKAHEAD; j++) {
      const x = this.window[j];
      if (x.kind === 'dma' && x.at.pid === r.at.pid && x.at.cpu === r.at.cpu) return x.device;
    }
    return null;
  }

  /** Not System RAM per the guest's /proc/iomem; without it, a page the trace showed as a doorbell. */
  private isMmio(paddr: bigint): boolean {
    if (this.capture.ram.length === 0) return this.capture.doorbellPages.includes(paddr);
    return !this.capture.ram.some((x) => paddr >= x.start && paddr <= x.end);
  }

  private unmap(i: number, r: Extract<Located, { kind: 'unmap' }>, meta: Meta): void {
    this.stats.unmaps++;
    const a = this.attributeUnmap(i, r);
    if (!a) {
      this.stats.unattributed++;
      this.diag.count('unattributed');
      return;
    }
    if (!isFullyLive(this.state(), a.domain.id, r.iova, r.unmapped)) {
      this.stats.conflicts++;
      this.diag.count('conflicts');
    }
    this.count(a.how);
    a.domain.lastActivity = ++this.activity;
    if (this.mirror.has(a.domain.id)) this.mirror.free(a.domain.id, r.iova, Number((r.size + 0xfffn) / 0x1000n), r.at.cpu, r.at.ts);
    this.emit(Unmapped.make({ domain: a.domain.id, iova: r.iova, size: r.size, unmappedSize: r.unmapped, warn: 0 }, { ...meta, how: a.how, conf: a.conf }));
    // __iommu_dma_unmap: the page tables first, then the IOVA goes back to the allocator
    this.emitMirror(meta, a.conf);
  }

  private attributeUnmap(i: number, r: Extract<Located, { kind: 'unmap' }>): Attribution | null {
    const key = this.ctxKey(r);
    if (this.dmaMode) {
      const before = this.expectUnmap.get(key);
      const dev = before ?? claimUnmapAfter(this.window, i, LOOKAHEAD);
      if (before) this.expectUnmap.delete(key);
      const d = dev ? this.book.dmaDomainOf(dev) : undefined;
      if (d) return { domain: d, how: 'dma-event', conf: 1 };
    }
    const s = this.state();
    const cands = this.book.candidates();
    const live = cands.filter((d) => isFullyLive(s, d.id, r.iova, r.unmapped));
    if (live.length === 1) return { domain: live[0], how: 'only-live', conf: 0.9 };
    if (live.length > 1) {
      if (this.dmaMode) {
        // no dma:* event goes with it: an iommu_unmap() by VFIO / iommufd in their own domain
        const unmanaged = live.filter((d) => d.type === 'UNMANAGED');
        if (unmanaged.length === 1) return { domain: unmanaged[0], how: 'caller-unmap', conf: 0.9 };
      }
      const hinted = this.hinted(r);
      if (hinted && live.includes(hinted)) return { domain: hinted, how: 'hint-live', conf: 0.8 };
      // the domain whose mapping at this very IOVA is the newest
      let best = live[0];
      let bestSeq = -1;
      for (const d of live) {
        const seq = runStartSeq(s, d.id, r.iova) ?? -1;
        if (seq > bestSeq || (seq === bestSeq && d.lastActivity > best.lastActivity)) {
          best = d;
          bestSeq = seq;
        }
      }
      return { domain: best, how: 'latest-map', conf: 0.6 };
    }
    const partial = cands.filter((d) => liveIn(s, d.id, r.iova, r.unmapped) > 0);
    if (partial.length) return { domain: mostRecent(partial), how: 'partial-live', conf: 0.2 };
    return cands.length ? { domain: mostRecent(cands), how: 'conflict', conf: 0.1 } : null;
  }
}

function isMapCall(call: string): boolean {
  return call === 'map_page' || call === 'map_resource' || call === 'map_sg' || call === 'alloc' || call === 'alloc_pages' || call === 'alloc_sgt';
}

export function isPciName(name: string): boolean {
  return /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(name);
}

function mostRecent(ds: readonly BookDomain[]): BookDomain {
  let best = ds[0];
  for (const d of ds) if (d.lastActivity > best.lastActivity) best = d;
  return best;
}
