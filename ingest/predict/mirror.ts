// The allocator mirror: every translated domain of a trace gets the IOVA allocator of the kernel
// the trace came from (kernel/ iova.c and dma-iommu deciders, the capture's profile), fed with
// what the trace shows: each allocation at the IOVA the kernel printed, each free when the unmap
// (strict) or the flush-queue timer (lazy) releases it. Before an allocation is committed the
// mirror says which IOVA the kernel should have chosen: attribution uses that to tell domains
// apart, `trace verify` scores it.
//
// Lazy domains: when the flush timer fired is not in the trace. Frees are held back until the
// domain's next allocation (nothing else observes them); then the firing is placed between them
// where the learned delay puts it (the prediction), and once the trace's IOVA is known, where it
// must have been to give that IOVA (the commit).
import { type IommuEvent, IovaAllocated, type Meta } from '../../domain-events/index.js';
import { evolveBatch, initialState, type IovaDomainState, type State } from '../../reducers/index.js';
import { DMA_BIT_MASK_32, iommuDmaAllocIova } from '../../kernel/dma/alloc-iova.js';
import { fqFlushTimeout, queueIova } from '../../kernel/dma/flush-queue.js';
import { freeIovaFast, initIovaDomain, IovaCtx, orderBase2, reserveIova } from '../../kernel/iova/index.js';
import { KernelCtx } from '../../kernel/machine/ctx.js';
import { type Profile } from '../../kernel/profile.js';
import { DelayModel, IOVA_FQ_TIMEOUT_NS } from './timer-model.js';

export interface MirrorDomain {
  readonly lazy: boolean;
  readonly reserved: readonly { start: bigint; end: bigint; why: string }[];
}

export interface Prediction {
  /** IOVA (bytes) the kernel would hand out, or null if it would fail */
  readonly iova: bigint | null;
  readonly tried32: boolean;
}

interface HeldFree {
  readonly pfn: number;
  readonly pages: number;
  readonly cpu: number;
  readonly ts: number;
}

const GRANULE = 4096n;
/** predictions kept per domain version (sizes × masks × CPUs of the maps in flight) */
const MAX_ANSWERS = 64;
/** never before IOVA_FQ_TIMEOUT: mod_timer rounds up */
const MIN_DELAY = IOVA_FQ_TIMEOUT_NS;

export class AllocatorMirror {
  private state: State = initialState();
  private readonly lazy = new Map<number, boolean>();
  private readonly held = new Map<number, HeldFree[]>();
  private readonly workaround = new Map<string, boolean>();
  private readonly predictions = new Map<number, { version: unknown; fq: unknown; answers: Map<string, Prediction> }>();
  readonly timers = new DelayModel();
  /** lazy allocations whose IOVA depended on when a flush-queue timer fired */
  timerDependent = 0;

  constructor(
    readonly profile: Profile,
    readonly cpus: number,
  ) {}

  /** allocator events not yet taken by drain() */
  private out: IommuEvent[] = [];
  /** false in a fork: a hypothesis tried on a copy records nothing */
  private recording = true;

  /** The allocator events decided since the last call, for the journal. */
  drain(): IommuEvent[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /**
   * Allocator events for the journal. A strict domain's come as they happen; a lazy domain's
   * flush-queue entries and timer firings are decided at its next allocation (where the timer
   * fired is placed then), so they come with that allocation, after the unmaps they belong to.
   */
  private record(events: readonly IommuEvent[]): void {
    if (this.recording) this.out.push(...events);
  }

  /** At the end of the trace: the held frees of lazy domains go to their flush queues (and the timer fires where the model puts it). */
  settleAll(ts: number | null): void {
    for (const domain of [...this.held.keys()]) {
      const last = this.held.get(domain)!;
      const k = this.settle(domain, ts ?? last[last.length - 1].ts, 'model');
      this.state = k.state;
      this.held.delete(domain);
      this.record(k.events);
    }
  }

  /** A copy to try a hypothesis on: the state is persistent, so this costs a few Map copies. */
  fork(): AllocatorMirror {
    const m = new AllocatorMirror(this.profile, this.cpus);
    m.state = this.state;
    for (const [k, v] of this.lazy) m.lazy.set(k, v);
    for (const [k, v] of this.held) m.held.set(k, [...v]);
    for (const [k, v] of this.workaround) m.workaround.set(k, v);
    m.recording = false;
    return m;
  }

  isLazy(domain: number): boolean {
    return this.lazy.get(domain) === true;
  }

  has(domain: number): boolean {
    return this.state.iova.domains.has(domain);
  }

  iova(domain: number): IovaDomainState | undefined {
    return this.state.iova.domains.get(domain);
  }

  addDomain(domain: number, d: MirrorDomain): void {
    if (this.has(domain)) return;
    const c = IovaCtx.forDomain(this.state.iova, domain, this.profile, {});
    initIovaDomain(c, 4096, 1, Math.max(1, this.cpus), true);
    this.state = evolveBatch(this.state, c.events);
    const r = IovaCtx.forDomain(this.state.iova, domain, this.profile, {});
    for (const w of d.reserved) reserveIova(r, Number(w.start / GRANULE), Number(w.end / GRANULE), w.why);
    this.state = evolveBatch(this.state, r.events);
    this.lazy.set(domain, d.lazy);
    this.record([...c.events, ...r.events]);
  }

  private armedAt(k: KernelCtx, domain: number): number | null {
    const d = k.state.flushQueues.domains.get(domain)?.timerDeadline;
    return d === null || d === undefined ? null : d - IOVA_FQ_TIMEOUT_NS;
  }

  /** Where the held frees and the allocation at `ts` may have the timer fire: step indices, n = just before the allocation. */
  private steps(domain: number, ts: number): number[] {
    return [...(this.held.get(domain) ?? []).map((h) => h.ts), ts];
  }

  /**
   * Applies the held frees of a lazy domain, firing the pending timer before step `fireAt`
   * (-1: not at all; 'model': at the first step the learned delay reaches). A held free queued
   * after a firing arms the timer again (dma-iommu.c 6.1/6.12 queue_iova): that timer, and each
   * one after it, fires at the first step the learned delay reaches.
   */
  private settle(domain: number, ts: number, fireAt: number | 'model'): KernelCtx {
    const k = new KernelCtx(this.state, this.profile, {});
    const held = this.held.get(domain) ?? [];
    const times = this.steps(domain, ts);
    let fired = false;
    for (let i = 0; i <= held.length; i++) {
      const armed = this.armedAt(k, domain);
      if (armed !== null && fireAt !== -1) {
        const due = fireAt === 'model' || fired ? times[i] >= armed + this.timers.estimate : i === fireAt;
        if (due && times[i] >= armed + MIN_DELAY) {
          k.meta = { ts: times[i], cpu: 0 };
          fqFlushTimeout(k, domain);
          fired = true;
        }
      }
      if (i < held.length) {
        const h = held[i];
        k.meta = { ts: h.ts, cpu: h.cpu };
        queueIova(k, domain, h.pfn, h.pages);
      }
    }
    return k;
  }

  private decide(k: KernelCtx, domain: number, device: string, pages: number, maskBits: number, cpu: number, ts: number | null) {
    k.meta = { ts, cpu };
    const mask = maskBits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(maskBits)) - 1n;
    if (!this.workaround.has(device)) this.workaround.set(device, this.profile.dma.pci32 !== 'off');
    return k.withIova(domain, (c) =>
      iommuDmaAllocIova(c, BigInt(pages) * GRANULE, mask, { name: device, pci: true, pci32Workaround: this.workaround.get(device)!, busDmaLimit: 0n }, { apertureEnd: (1n << 48n) - 1n, forceAperture: true, forcedac: this.profile.dma.pci32 === 'off' }),
    );
  }

  private context(domain: number, ts: number | null, fireAt: number | 'model'): KernelCtx {
    if (!this.lazy.get(domain) || ts === null) return new KernelCtx(this.state, this.profile, {});
    return this.settle(domain, ts, fireAt);
  }

  /**
   * What iommu_dma_alloc_iova would return for `pages` under a DMA mask of `maskBits`. Attribution
   * asks every candidate domain for every map, and a domain's answer changes only when its
   * allocator state does: answers are kept per domain until its state object changes (the
   * state is persistent, so identity is the version) or, lazy, until the time does.
   */
  predict(domain: number, device: string, pages: number, maskBits: number, cpu: number, ts: number | null): Prediction {
    if (!this.has(domain)) return { iova: null, tried32: false };
    const version = this.state.iova.domains.get(domain)!;
    const lazyKey = this.lazy.get(domain) ? `${ts}/${this.held.get(domain)?.length ?? 0}/${this.timers.estimate}` : '';
    let c = this.predictions.get(domain);
    if (!c || c.version !== version || c.fq !== this.state.flushQueues) {
      c = { version, fq: this.state.flushQueues, answers: new Map() };
      this.predictions.set(domain, c);
    }
    const key = `${device}/${this.workaround.get(device) ?? ''}/${pages}/${maskBits}/${cpu}/${lazyKey}`;
    const hit = c.answers.get(key);
    if (hit) return hit;
    // a lazy domain's keys carry the time: keep the table small rather than let it grow
    if (c.answers.size >= MAX_ANSWERS) c.answers.clear();
    const r = this.decide(this.context(domain, ts, 'model'), domain, device, pages, maskBits, cpu, ts);
    const p = { iova: r.iova === 0n ? null : r.iova, tried32: r.tried32bit };
    c.answers.set(key, p);
    return p;
  }

  commit(domain: number, device: string, iova: bigint, pages: number, maskBits: number, cpu: number, ts: number | null): boolean {
    return this.resolve(domain, device, iova, [pages], [maskBits], cpu, ts) !== null;
  }

  /**
   * The allocation the trace shows, at `iova`, of one of `sizes` pages under one of `masks`. A
   * lazy domain's held frees are settled with the timer where the learned delay puts it, or where
   * it must have fired to give that IOVA; the decider's events are taken for the first (firing,
   * size, mask) that gives it. Otherwise the range is entered as found, with sizes[0]. Returns
   * what matched, or null.
   */
  resolve(domain: number, device: string, iova: bigint, sizes: readonly number[], masks: readonly number[], cpu: number, ts: number | null): { pages: number; mask: number } | null {
    if (!this.has(domain)) return null;
    const lazy = this.lazy.get(domain) && ts !== null;
    const times = lazy ? this.steps(domain, ts!) : [];
    const firings: (number | 'model')[] = ['model', ...(lazy ? [-1, ...times.map((_, i) => i)] : [])];
    const armed0 = this.armedAt(new KernelCtx(this.state, this.profile, {}), domain);
    for (const fire of firings)
      for (const pages of sizes)
        for (const mask of masks) {
          const k = this.context(domain, ts, fire);
          const r = this.decide(k, domain, device, pages, mask, cpu, ts);
          if (r.iova !== iova) continue;
          if (fire !== 'model') {
            this.timerDependent++;
            if (fire >= 0 && armed0 !== null) this.timers.firedBetween(armed0, fire > 0 ? times[fire - 1] : armed0, times[fire]);
          }
          this.held.delete(domain);
          this.state = k.state;
          this.record(k.events);
          if (this.profile.dma.pci32 === 'sticky-per-device' && r.tried32bit && iova > DMA_BIT_MASK_32) this.workaround.set(device, false);
          return { pages, mask };
        }
    // keep the held frees' effect (as the model places the timer), then enter the range as found
    const settled = this.context(domain, ts, 'model');
    this.state = settled.state;
    this.record(settled.events);
    this.held.delete(domain);
    this.force(domain, Number(iova / GRANULE), sizes[0], cpu);
    if (this.profile.dma.pci32 === 'sticky-per-device' && iova > DMA_BIT_MASK_32) this.workaround.set(device, false);
    return null;
  }

  private apply(e: IommuEvent): void {
    this.state = evolveBatch(this.state, [e]);
    this.record([e]);
  }

  /** Enter an allocation the model did not choose (it was wrong, or the trace lacks a free). */
  private force(domain: number, pfn: number, pages: number, cpu: number): void {
    const d = this.iova(domain)!;
    const rounded = pages < 32 ? 2 ** orderBase2(pages) : pages;
    const order = orderBase2(rounded);
    const meta: Meta = { cpu, how: 'forced' };
    const mags = d.rcaches?.[order]?.cpus ?? [];
    for (let c = 0; c < mags.length; c++) {
      const i = mags[c].loaded.indexOf(pfn);
      if (i >= 0) {
        this.apply(IovaAllocated.make({ domain, size: pages, limitPfn: pfn + rounded - 1, sizeAligned: true, pfnLo: pfn, pfnHi: pfn + rounded - 1, fromRcache: true, magIndex: i, cachedNode: d.cachedNode, cached32Node: d.cached32Node }, { ...meta, cpu: c }));
        return;
      }
    }
    const lo = d.nodes.floorKey(pfn);
    if (lo !== undefined && d.nodes.get(lo)! >= pfn) return;
    const hi = pfn + rounded - 1;
    const cached32 = hi < d.dma32bitPfn ? pfn : d.cached32Node;
    const cached = hi < d.dma32bitPfn ? d.cachedNode : pfn;
    this.apply(IovaAllocated.make({ domain, size: pages, limitPfn: hi, sizeAligned: true, pfnLo: pfn, pfnHi: hi, fromRcache: false, magIndex: null, cachedNode: cached, cached32Node: cached32 }, meta));
  }

  /** The unmap of an allocation: strict frees at once; lazy holds it for the next allocation to place. */
  free(domain: number, iova: bigint, pages: number, cpu: number, ts: number | null): void {
    if (!this.has(domain)) return;
    const pfn = Number(iova / GRANULE);
    if (this.lazy.get(domain) && ts !== null) {
      const h = this.held.get(domain) ?? [];
      h.push({ pfn, pages, cpu, ts });
      this.held.set(domain, h);
      return;
    }
    const k = new KernelCtx(this.state, this.profile, { ts, cpu });
    k.withIova(domain, (c) => freeIovaFast(c, pfn, pages));
    this.state = k.state;
    this.record(k.events);
  }
}
