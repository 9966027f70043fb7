// The allocator mirror: every translated domain of a trace gets the IOVA allocator of the kernel
// the trace came from (kernel/ iova.c and dma-iommu deciders, the capture's profile), fed with
// what the trace shows: each allocation at the IOVA the kernel printed, each free when the unmap
// (strict) or the flush-queue timer (lazy, lazy-log.ts) releases it. Before an allocation is
// taken in, the mirror says which IOVA the kernel should have chosen (the prediction trace
// verify scores). Each domain has a state of its own: nothing in iova.c or the flush queue
// crosses domains.
import { type IommuEvent, IovaAllocated, type Meta } from '../../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../../reducers/index.js';
import { DMA_BIT_MASK_32, iommuDmaAllocIova } from '../../kernel/dma/alloc-iova.js';
import { freeIovaFast, initIovaDomain, IovaCtx, orderBase2, reserveIova } from '../../kernel/iova/index.js';
import { KernelCtx } from '../../kernel/machine/ctx.js';
import { type Profile } from '../../kernel/profile.js';
import { armedAt, type Firing, type LogStep, modelFiring, replay } from './lazy-log.js';
import { DelayModel } from './timer-model.js';

export interface MirrorDomain {
  readonly lazy: boolean;
  readonly reserved: readonly { start: bigint; end: bigint; why: string }[];
}

/** The device an allocation is made for: dma-iommu.c (6.1, 6.12) iommu_dma_alloc_iova tries below 4 GiB first only for a PCI device (dev_is_pci). */
export interface MirrorDevice {
  readonly name: string;
  readonly pci: boolean;
}

/** A device name as the kernel prints it (dev_name): PCI functions are domain:bus:slot.fn. */
export function isPciName(name: string): boolean {
  return /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(name);
}

export interface Prediction {
  /** IOVA (bytes) the kernel would hand out, or null if it would fail */
  readonly iova: bigint | null;
  readonly tried32: boolean;
}

/** What gave the trace's IOVA when the mirror took an allocation in. */
export interface Resolved {
  readonly pages: number;
  readonly mask: number;
  /** a lazy domain's flush timer fired elsewhere than the model put it */
  readonly timer: boolean;
}

interface DomainMirror {
  readonly id: number;
  readonly lazy: boolean;
  /** what the journal has been told (lazy: the log's frees not yet queued, its allocations taken) */
  state: State;
  /** lazy: the state before the log's first step, and the steps since */
  base: State;
  log: LogStep[];
}

const GRANULE = 4096n;
/** a log kept this long is settled where the model puts the firing (bounded work per allocation) */
const MAX_LOG = 48;
/** steps closer than this on one CPU are one burst (one interrupt handler's unmaps) */
const BURST_GAP_NS = 20_000;

export class AllocatorMirror {
  private readonly domains = new Map<number, DomainMirror>();
  private readonly workaround = new Map<string, boolean>();
  readonly timers = new DelayModel();
  /** lazy allocations whose IOVA showed where a flush-queue timer fired */
  timerDependent = 0;
  /** allocator events not yet taken by drain() */
  private out: IommuEvent[] = [];

  constructor(
    readonly profile: Profile,
    readonly cpus: number,
  ) {}

  /** The allocator events decided since the last call, for the journal. */
  drain(): IommuEvent[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private record(events: readonly IommuEvent[]): void {
    for (const e of events) this.out.push(e);
  }

  isLazy(domain: number): boolean {
    return this.domains.get(domain)?.lazy === true;
  }

  has(domain: number): boolean {
    return this.domains.has(domain);
  }

  addDomain(domain: number, d: MirrorDomain): void {
    if (this.has(domain)) return;
    let state = initialState();
    const c = IovaCtx.forDomain(state.iova, domain, this.profile, {});
    initIovaDomain(c, 4096, 1, Math.max(1, this.cpus), true);
    state = evolveBatch(state, c.events);
    const r = IovaCtx.forDomain(state.iova, domain, this.profile, {});
    for (const w of d.reserved) reserveIova(r, Number(w.start / GRANULE), Number(w.end / GRANULE), w.why);
    state = evolveBatch(state, r.events);
    this.domains.set(domain, { id: domain, lazy: d.lazy, state, base: state, log: [] });
    this.record([...c.events, ...r.events]);
  }

  /** iommu_dma_alloc_iova for `pages` under a `maskBits` DMA mask; returns the pfn (0: failed). */
  private decide(k: KernelCtx, domain: number, device: MirrorDevice, pages: number, maskBits: number) {
    const mask = maskBits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(maskBits)) - 1n;
    // iommu.c (6.12) iommu_setup_dma_ops: pci_32bit_workaround starts set for PCI devices only
    if (!this.workaround.has(device.name)) this.workaround.set(device.name, device.pci && this.profile.dma.pci32 !== 'off');
    return k.withIova(domain, (c) =>
      iommuDmaAllocIova(c, BigInt(pages) * GRANULE, mask, { name: device.name, pci: device.pci, pci32Workaround: this.workaround.get(device.name)!, busDmaLimit: 0n }, { apertureEnd: (1n << 48n) - 1n, forceAperture: true, forcedac: this.profile.dma.pci32 === 'off' }),
    );
  }

  /** The state a prediction is made on: a lazy domain's log replayed with the timer where the model puts it. */
  private current(d: DomainMirror, ts: number | null): State {
    if (!d.lazy || ts === null) return d.state;
    // a timer that came due since, with or without unmaps kept: fired
    const fire = modelFiring(d.base, d.id, d.log, ts, this.timers.estimate);
    if (d.log.length === 0 && fire === 'none') return d.state;
    return replay(d.base, this.profile, d.id, d.log, fire, true, this.timers.estimate, ts).state;
  }

  /** What iommu_dma_alloc_iova would return for `pages` under a DMA mask of `maskBits`. */
  predict(domain: number, device: MirrorDevice, pages: number, maskBits: number, cpu: number, ts: number | null): Prediction {
    const d = this.domains.get(domain);
    if (!d) return { iova: null, tried32: false };
    const k = new KernelCtx(this.current(d, ts), this.profile, { ts, cpu });
    const r = this.decide(k, domain, device, pages, maskBits);
    return { iova: r.iova === 0n ? null : r.iova, tried32: r.tried32bit };
  }

  commit(domain: number, device: MirrorDevice, iova: bigint, pages: number, maskBits: number, cpu: number, ts: number | null): boolean {
    return this.resolve(domain, device, iova, [pages], [maskBits], cpu, ts) !== null;
  }

  /**
   * The allocation the trace shows, at `iova`, of one of `sizes` pages under one of `masks` (the
   * first that gives it). Returns what matched, or null when nothing did (the range is then
   * entered as found, with sizes[0]).
   */
  resolve(domain: number, device: MirrorDevice, iova: bigint, sizes: readonly number[], masks: readonly number[], cpu: number, ts: number | null): Resolved | null {
    const d = this.domains.get(domain);
    if (!d) return null;
    const got = d.lazy && ts !== null ? this.resolveLazy(d, device, iova, sizes, masks, cpu, ts) : this.resolveNow(d, device, iova, sizes, masks, cpu, ts);
    if (this.profile.dma.pci32 === 'sticky-per-device' && iova > DMA_BIT_MASK_32 && (!got || got.tried32)) this.workaround.set(device.name, false);
    return got ? { pages: got.pages, mask: got.mask, timer: got.timer } : null;
  }

  private resolveNow(d: DomainMirror, device: MirrorDevice, iova: bigint, sizes: readonly number[], masks: readonly number[], cpu: number, ts: number | null): (Resolved & { tried32: boolean }) | null {
    for (const pages of sizes)
      for (const mask of masks) {
        const k = new KernelCtx(d.state, this.profile, { ts, cpu });
        const r = this.decide(k, d.id, device, pages, mask);
        if (r.iova !== iova) continue;
        d.state = d.base = k.state;
        this.record(k.events);
        return { pages, mask, timer: false, tried32: r.tried32bit };
      }
    const k = new KernelCtx(d.state, this.profile, { ts, cpu });
    this.force(k, d.id, Number(iova / GRANULE), sizes[0], cpu);
    d.state = d.base = k.state;
    this.record(k.events);
    return null;
  }

  /** A step that takes the trace's allocation again in a replay: the hypothesis that matched, or the range as found. */
  private allocStep(domain: number, device: MirrorDevice, pfn: number, pages: number, mask: number | null, cpu: number, ts: number): Extract<LogStep, { kind: 'alloc' }> {
    const decide = (k: KernelCtx): number => {
      if (mask !== null) {
        const r = this.decide(k, domain, device, pages, mask);
        if (Number(r.iova / GRANULE) === pfn) return pfn;
      }
      // the model could not give it (or gave another): enter it as found, the replay goes on
      this.force(k, domain, pfn, pages, cpu);
      return mask === null ? pfn : -1;
    };
    return { kind: 'alloc', pfn, ts, cpu, decide };
  }

  private resolveLazy(d: DomainMirror, device: MirrorDevice, iova: bigint, sizes: readonly number[], masks: readonly number[], cpu: number, ts: number): (Resolved & { tried32: boolean }) | null {
    const pfn = Number(iova / GRANULE);
    const model = modelFiring(d.base, d.id, d.log, ts, this.timers.estimate);
    const worlds: Firing[] = ['none', ...firingPlaces(d.log), d.log.length];
    type Fit = { fire: Firing; pages: number; mask: number; tried32: boolean };
    const fits: Fit[] = [];
    let noneDrained = false;
    for (const fire of worlds) {
      const w = replay(d.base, this.profile, d.id, d.log, fire, true, this.timers.estimate, ts);
      if (!w.consistent) continue;
      if (fire !== 'none' && w.armedAt === null) continue;
      if (fire === 'none') noneDrained = w.drained;
      for (const pages of sizes)
        for (const mask of masks) {
          const k = new KernelCtx(w.state, this.profile, { ts, cpu });
          const r = this.decide(k, d.id, device, pages, mask);
          if (r.iova === iova) fits.push({ fire, pages, mask, tried32: r.tried32bit });
          if (r.iova === iova) break;
        }
    }
    const step = (f: Fit | null) => this.allocStep(d.id, device, pfn, f?.pages ?? sizes[0], f ? f.mask : null, cpu, ts);
    const fires = new Set(fits.map((f) => f.fire));
    const none = fits.find((f) => f.fire === 'none');
    if (none && fires.size > 1 && !noneDrained && d.log.length < MAX_LOG) {
      // the allocation does not tell whether the timer fired: keep the log, take the allocation
      // in (it is the same wherever the timer fired among the consistent places)
      const k = new KernelCtx(d.state, this.profile, { ts, cpu });
      this.decide(k, d.id, device, none.pages, none.mask);
      d.state = k.state;
      this.record(k.events);
      d.log.push(step(none));
      return { pages: none.pages, mask: none.mask, timer: false, tried32: none.tried32 };
    }
    // settle: the one consistent place, else the model's (or the nearest consistent one to it)
    const pick = fits.find((f) => f.fire === model) ?? (fires.size === 1 ? fits[0] : nearest(fits, model, d.log.length)) ?? null;
    const fire = pick ? pick.fire : model;
    if (pick && pick.fire !== model) this.timerDependent++;
    if (pick && fires.size === 1) this.learn(d, pick.fire, ts);
    const w = replay(d.base, this.profile, d.id, d.log, fire, true, this.timers.estimate, ts);
    this.record(w.events);
    const k = new KernelCtx(w.state, this.profile, { ts, cpu });
    step(pick).decide(k);
    this.record(k.events);
    d.state = d.base = k.state;
    d.log = [];
    return pick ? { pages: pick.pages, mask: pick.mask, timer: pick.fire !== model, tried32: pick.tried32 } : null;
  }

  /** The allocation placed the firing alone: a bound on the timer's delay. */
  private learn(d: DomainMirror, fire: Firing, ts: number): void {
    const at = (i: number) => (i < d.log.length ? d.log[i].ts : ts);
    if (fire === 'none') {
      // not fired, though it could have been (armed before the allocation)
      const armed = replay(d.base, this.profile, d.id, d.log, 'none', true, this.timers.estimate, ts).armedAt;
      if (armed !== null && armed < ts) this.timers.notFiredBy(armed, ts);
      return;
    }
    const armed = replay(d.base, this.profile, d.id, d.log, fire, true, this.timers.estimate, ts).armedAt;
    if (armed !== null) this.timers.firedBetween(armed, fire > 0 ? at(fire - 1) : armed, at(fire));
  }

  /** Enter an allocation the model did not choose (it was wrong, or the trace lacks a free). */
  private force(k: KernelCtx, domain: number, pfn: number, pages: number, cpu: number): void {
    const d = k.state.iova.domains.get(domain)!;
    const rounded = pages < 32 ? 2 ** orderBase2(pages) : pages;
    const order = orderBase2(rounded);
    const meta: Meta = { ...k.meta, cpu, how: 'forced' };
    const mags = d.rcaches?.[order]?.cpus ?? [];
    for (let c = 0; c < mags.length; c++) {
      const i = mags[c].loaded.indexOf(pfn);
      if (i >= 0) {
        k.emit(IovaAllocated.make({ domain, size: pages, limitPfn: pfn + rounded - 1, sizeAligned: true, pfnLo: pfn, pfnHi: pfn + rounded - 1, fromRcache: true, magIndex: i, cachedNode: d.cachedNode, cached32Node: d.cached32Node }, { ...meta, cpu: c }));
        return;
      }
    }
    // a range that starts inside an allocation the mirror holds: enter what lies beyond it
    const lo = d.nodes.floorKey(pfn);
    if (lo !== undefined && d.nodes.get(lo)! >= pfn) {
      const after = d.nodes.get(lo)! + 1;
      if (after < pfn + pages) this.force(k, domain, after, pfn + pages - after, cpu);
      return;
    }
    const hi = pfn + rounded - 1;
    const cached32 = hi < d.dma32bitPfn ? pfn : d.cached32Node;
    const cached = hi < d.dma32bitPfn ? d.cachedNode : pfn;
    k.emit(IovaAllocated.make({ domain, size: pages, limitPfn: hi, sizeAligned: true, pfnLo: pfn, pfnHi: hi, fromRcache: false, magIndex: null, cachedNode: cached, cached32Node: cached32 }, meta));
  }

  /**
   * An allocation from before the trace (its unmap is the first the trace shows of it): entered as
   * found, so that its free goes back to an allocator that holds it.
   */
  adopt(domain: number, iova: bigint, pages: number, cpu: number, ts: number | null): void {
    const d = this.domains.get(domain);
    if (!d) return;
    const k = new KernelCtx(d.state, this.profile, { ts, cpu, how: 'pre-trace' });
    this.force(k, domain, Number(iova / GRANULE), pages, cpu);
    d.state = k.state;
    if (d.log.length === 0) d.base = k.state;
    else d.base = evolveBatch(d.base, k.events);
    this.record(k.events);
  }

  /** The unmap of an allocation: strict frees at once; lazy logs it until the firing that frees it is placed. */
  free(domain: number, iova: bigint, pages: number, cpu: number, ts: number | null): void {
    const d = this.domains.get(domain);
    if (!d) return;
    const pfn = Number(iova / GRANULE);
    if (d.lazy && ts !== null) {
      if (d.log.length >= MAX_LOG) this.settle(d, ts);
      if (d.log.length === 0) d.base = d.state;
      d.log.push({ kind: 'free', pfn, pages, cpu, ts });
      return;
    }
    const k = new KernelCtx(d.state, this.profile, { ts, cpu });
    k.withIova(domain, (c) => freeIovaFast(c, pfn, pages));
    d.state = d.base = k.state;
    this.record(k.events);
  }

  /** The log replayed with the model's firing and made the domain's state. */
  private settle(d: DomainMirror, ts: number): void {
    if (d.log.length === 0) return;
    const w = replay(d.base, this.profile, d.id, d.log, modelFiring(d.base, d.id, d.log, ts, this.timers.estimate), true, this.timers.estimate, ts);
    this.record(w.events);
    d.state = d.base = w.state;
    d.log = [];
  }

  /** At the end of the trace: every lazy domain's log settled where the model puts the timer. */
  settleAll(ts: number | null): void {
    for (const d of this.domains.values()) if (d.log.length) this.settle(d, ts ?? d.log[d.log.length - 1].ts);
  }

  /** when the domain's pending flush-queue timer was armed (null: none pending) */
  armedAt(domain: number): number | null {
    const d = this.domains.get(domain);
    return d ? armedAt(d.state, domain) : null;
  }
}

/**
 * Where in the log the timer may have fired: between bursts (a completion's unmaps run in one
 * interrupt handler on one CPU, and the timer's softirq does not run inside it).
 */
function firingPlaces(log: readonly LogStep[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < log.length; i++) if (i === 0 || log[i].cpu !== log[i - 1].cpu || log[i].ts - log[i - 1].ts > BURST_GAP_NS || log[i].kind !== log[i - 1].kind) out.push(i);
  return out;
}

function nearest<T extends { fire: Firing }>(fits: readonly T[], model: Firing, end: number): T | undefined {
  const pos = (f: Firing) => (f === 'none' ? end + 1 : f);
  let best: T | undefined;
  for (const f of fits) if (!best || Math.abs(pos(f.fire) - pos(model)) < Math.abs(pos(best.fire) - pos(model))) best = f;
  return best;
}
