// A lazy (DMA-FQ) domain's mirror. dma-iommu.c (6.1, 6.12) queue_iova puts an unmapped IOVA on
// the CPU's flush queue and arms a 10 ms timer; fq_flush_timeout frees the queued IOVAs into the
// timer CPU's rcache. The trace shows the unmaps and the allocations, never the timer: the
// domain keeps hypotheses about when and where it fired (worlds.ts), predicts with their weights,
// lets each allocation the trace shows prune them, and runs the steps every remaining hypothesis
// agrees on into its committed copy (commit.ts).
//
// The journal's allocator is kept apart from the hypotheses, and takes every step at its own
// trace line with the kernel's deciders (kernel/iova, kernel/dma): an unmap queues its IOVA at
// once, an allocation is decided (or entered as found) on the state the journal has then, and a
// firing goes in when the hypotheses agree on it. Each recorded event is thus decided on the
// state the journal has when it reads it, so the allocator events never contradict each other.
// They must not contradict the trace either: a range the trace allocates again must have left
// the flush queue first, so a firing the hypotheses have not agreed on yet goes in then
// (flushFor). The work per trace line is one shadow operation per hypothesis (at most
// MAX_WORLDS) plus, once, the kernel deciders on the journal's state.
import { type IommuEvent } from '../../domain-events/index.js';
import { type State, Tx } from '../../reducers/index.js';
import { fqFlushTimeout, IOVA_FQ_TIMEOUT_NS, queueIova } from '../../kernel/dma/flush-queue.js';
import { KernelCtx } from '../../kernel/machine/ctx.js';
import { type Profile } from '../../kernel/profile.js';
import { commitSteps, type Copy, type LogStep } from './commit.js';
import { dropPhantoms } from './phantoms.js';
import { ShadowFq } from './shadow-fq.js';
import { type HeldIn, type ShadowDevice, ShadowIova } from './shadow-iova.js';
import { retroFire } from './retro.js';
import { RetroMemo } from './retro-memo.js';
import { type TimerModel } from './timer-model.js';
import { Beam, type CpuOdds, World } from './worlds.js';

/** a log the worlds still disagree about after this many steps is settled on the most probable */
const MAX_LOG = 96;
/** steps kept uncommitted, where a firing can still be placed after the fact */
const KEEP_RECENT = 48;
/** a world found after the fact starts this much less likely than the one it corrects */
const RETRO_WEIGHT = 0.1;
/** unmaps closer than this on one CPU are one burst (one interrupt handler's completions) */
const BURST_GAP_NS = 20_000;

/** What the domain needs of the kernel side (the mirror): its deciders on a KernelCtx and the journal. */
export interface KernelSide {
  readonly profile: Profile;
  readonly cpus: number;
  readonly timers: TimerModel;
  readonly odds: CpuOdds & { fired(armedCpu: number, cpu: number): void };
  /** iommu_dma_alloc_iova on the kernel model: the pfn it gives */
  decide(k: KernelCtx, domain: number, device: ShadowDevice & { name: string }, pages: number, maskBits: number): number;
  /** the range entered as found */
  force(k: KernelCtx, domain: number, pfn: number, pages: number, cpu: number): void;
  record(events: readonly IommuEvent[]): void;
}

export interface LazyFit {
  readonly pages: number;
  readonly mask: number;
  readonly tried32: boolean;
  /** the most probable hypothesis did not give it: the timer fired elsewhere than it put it */
  readonly timer: boolean;
  /** what gave it: a kept hypothesis, a firing placed after the fact (retro.ts), or the CPU's phantoms dropped */
  readonly via: LazyVia;
}

export type LazyVia = 'kept' | 'retro' | 'phantoms';

interface Fit {
  readonly x: World;
  readonly iova: ShadowIova;
  readonly pages: number;
  readonly mask: number;
  readonly tried32: boolean;
}

/** a node of the domain's allocator in `s` holds pfn */
export function heldBy(s: State, domain: number, pfn: number): boolean {
  const d = s.iova.domains.get(domain);
  const lo = d?.nodes.floorKey(pfn);
  return lo !== undefined && d!.nodes.get(lo)! >= pfn;
}

/** the limits by mask width, made once: dmaLimit runs per hypothesis and per replayed step */
const limits: bigint[] = [];

export function dmaLimit(maskBits: number): bigint {
  if (Number.isInteger(maskBits) && maskBits >= 0 && maskBits <= 64) return (limits[maskBits] ??= maskBits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(maskBits)) - 1n);
  return maskBits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(maskBits)) - 1n;
}

export class LazyDomain {
  /** the domain as the journal has it: every allocator event recorded so far, in order */
  state: State;
  /** the committed what-if copy the log runs from */
  private readonly base: Copy;
  private log: LogStep[] = [];
  private beam: Beam;
  /** the last step taken in (the log may have been committed since) */
  private lastStep: { kind: 'free' | 'alloc'; cpu: number; ts: number } | null = null;
  /** where the most probable copy held the last allocation entered as found (null: the last was not) */
  lastFound: HeldIn | null = null;
  /** retro.ts's copies, kept from one allocation to the next */
  private readonly retroMemo = new RetroMemo();

  constructor(
    readonly id: number,
    state: State,
    private readonly k: KernelSide,
    /** the pfns of the allocations the trace shows live in the domain */
    private readonly live: ReadonlySet<number>,
  ) {
    this.state = state;
    this.base = { iova: ShadowIova.of(state.iova.domains.get(id)!, k.profile), fq: ShadowFq.of(state.flushQueues.domains.get(id), k.cpus) };
    this.beam = new Beam(new World(this.base.iova.fork(), this.base.fq.fork(), 1, []), Math.max(1, k.cpus), k.timers, k.odds);
  }

  /** The IOVA pfn (0: none) the worlds' weights favour for the request, at `ts` on `cpu`. */
  predict(device: ShadowDevice, pages: number, maskBits: number, cpu: number, ts: number): number {
    this.beam.advance(ts, this.log.length, true);
    const votes = new Map<number, number>();
    for (const x of this.beam.worlds) {
      const pfn = x.iova.fork().dmaAllocIova(pages, dmaLimit(maskBits), device, cpu).pfn;
      votes.set(pfn, (votes.get(pfn) ?? 0) + x.w);
    }
    let best = 0;
    let bestW = -1;
    for (const [pfn, w] of votes) if (w > bestW || (w === bestW && pfn > best)) [best, bestW] = [pfn, w];
    return best;
  }

  /**
   * The allocation the trace shows at `pfn`: the worlds that give it with one of the sizes and
   * masks (tried in order) stay, the others go. None: the most probable takes it in as found
   * (null returned), its magazines reconciled with it when `sure` (the line's domain is not in
   * doubt: a copy's magazines moved on a line of another domain would be put wrong).
   */
  resolve(device: ShadowDevice & { name: string }, pfn: number, sizes: readonly number[], masks: readonly number[], cpu: number, ts: number, sure = false): LazyFit | null {
    this.lastStep = { kind: 'alloc', cpu, ts };
    this.lastFound = null;
    this.beam.advance(ts, this.log.length, true);
    const top = this.beam.best;
    const fits: Fit[] = [];
    for (const x of this.beam.worlds)
      search: for (const pages of sizes)
        for (const mask of masks) {
          const iova = x.iova.fork();
          const r = iova.dmaAllocIova(pages, dmaLimit(mask), device, cpu);
          if (r.pfn !== pfn) continue;
          fits.push({ x, iova, pages, mask, tried32: r.tried32 });
          break search;
        }
    // nothing the weights kept gives it: the timer may have fired where the model thought it
    // too unlikely to keep a world (retro.ts)
    const kept = fits.length > 0;
    if (!kept) fits.push(...this.retro(device, pfn, sizes, masks, cpu, ts));
    // or the CPU's magazines hold phantoms (phantoms.ts)
    const phantoms = fits.length === 0;
    if (phantoms) fits.push(...this.dropPhantoms(device, pfn, sizes, masks, cpu));
    let pick = fits[0];
    for (const f of fits) if (f.x.w > pick.x.w) pick = f;
    if (pick) {
      const same = fits.filter((f) => f.pages === pick.pages && f.mask === pick.mask);
      for (const f of same) f.x.iova = f.iova;
      this.learnNotFired(same.map((f) => f.x), ts);
      this.beam.keep(same.map((f) => f.x));
    } else {
      this.lastFound = top.iova.heldIn(pfn, sizes[0], cpu);
      top.iova.enter(pfn, sizes[0], sure ? cpu : null);
      top.w = 1;
      this.beam.keep([top]);
    }
    this.logAlloc(device, pfn, pick?.pages ?? sizes[0], pick ? pick.mask : null, cpu, ts, phantoms && pick !== undefined, sure && !pick);
    return pick ? { pages: pick.pages, mask: pick.mask, tried32: pick.tried32, timer: !fits.some((f) => f.x === top), via: kept ? 'kept' : phantoms ? 'phantoms' : 'retro' } : null;
  }

  /** The most probable world's history with the timer fired at a recent place instead (retro.ts). */
  private retro(device: ShadowDevice, pfn: number, sizes: readonly number[], masks: readonly number[], cpu: number, ts: number): Fit[] {
    const best = this.beam.best;
    const root = () => ({ iova: this.base.iova.fork(), fq: this.base.fq.fork() });
    const got = retroFire(root, this.log, best.fires, this.k.cpus, { pfn, sizes, masks, device, cpu, ts }, dmaLimit, best.w * RETRO_WEIGHT, this.live, this.retroMemo);
    return got.map((r) => ({ x: r.world, iova: r.iova, pages: r.pages, mask: r.mask, tried32: r.tried32 }));
  }

  /** The worlds that give the allocation once the CPU's magazines of its size class lose their phantoms. */
  private dropPhantoms(device: ShadowDevice, pfn: number, sizes: readonly number[], masks: readonly number[], cpu: number): Fit[] {
    const out: Fit[] = [];
    for (const x of this.beam.worlds)
      search: for (const pages of sizes) {
        // the drop depends on the size, not the mask: made once, tried with each mask (no copy
        // made for a world with nothing to drop)
        if (!x.iova.holdsCached(pages, cpu)) continue;
        const dropped = x.iova.fork();
        if (!dropped.dropPhantoms(pages, cpu, this.live)) continue;
        for (const mask of masks) {
          const iova = dropped.fork();
          const r = iova.dmaAllocIova(pages, dmaLimit(mask), device, cpu);
          if (r.pfn !== pfn) continue;
          out.push({ x, iova, pages, mask, tried32: r.tried32 });
          break search;
        }
      }
    return out;
  }

  /** The unmap of an allocation: queued on the CPU's flush queue in every world. */
  free(pfn: number, pages: number, cpu: number, ts: number): void {
    const last = this.lastStep;
    const inBurst = last !== null && last.kind === 'free' && last.cpu === cpu && ts - last.ts <= BURST_GAP_NS;
    this.lastStep = { kind: 'free', cpu, ts };
    this.beam.advance(ts, this.log.length, !inBurst);
    for (const x of this.beam.worlds) x.fq!.queue(x.iova, pfn, pages, cpu, ts);
    this.log.push({ kind: 'free', pfn, pages, cpu, ts, burst: inBurst });
    this.journal({ ts, cpu }, (k) => queueIova(k, this.id, pfn, pages));
    this.commitAgreed();
  }

  /** An allocation from before the trace (its unmap is the first the trace shows of it), entered as found everywhere. */
  adopt(pfn: number, pages: number, cpu: number, ts: number): void {
    for (const x of this.beam.worlds) x.iova.enter(pfn, pages);
    this.logAlloc(null, pfn, pages, null, cpu, ts);
  }

  /** Every logged step committed with the most probable world's firings, up to `ts` (the end of the trace). */
  settle(ts: number | null): void {
    if (ts !== null) this.beam.advance(ts, this.log.length, true);
    this.beam.keep([this.beam.best]);
    this.commit(this.log.length, true);
  }

  /** The allocation taken into the journal now (decided on the journal's state), and logged for the commit. */
  private logAlloc(device: (ShadowDevice & { name: string }) | null, pfn: number, pages: number, mask: number | null, cpu: number, ts: number, phantoms = false, reconcile = false): void {
    // the trace shows the range allocated again: the firing that freed it happened, so the steps
    // up to the most probable world's last firing are committed now (the timer model learns the
    // firing at once; the other worlds go on, each with its own state; retro.ts only places
    // firings after it)
    const last = this.beam.best.fires.at(-1);
    if (last !== undefined && heldBy(this.state, this.id, pfn)) this.commit(last.at, true);
    this.flushFor(pfn, pages, ts);
    this.journal({ ts, cpu, ...(device ? {} : { how: 'pre-trace' }) }, (k) => {
      if (device && mask !== null) {
        const before = k.state;
        const n = k.events.length;
        if (this.k.decide(k, this.id, device, pages, mask) === pfn) return;
        // as the worlds did: the CPU's phantoms dropped, then the decision again
        k.state = before;
        k.events.length = n;
        if (phantoms && k.withIova(this.id, (c) => dropPhantoms(c, cpu, pages, this.live), cpu) && this.k.decide(k, this.id, device, pages, mask) === pfn) return;
        k.state = before;
        k.events.length = n;
      }
      this.k.force(k, this.id, pfn, pages, cpu);
    });
    this.log.push({ kind: 'alloc', pfn, pages, ts, cpu, device, mask, phantoms, reconcile });
    this.commitAgreed();
  }

  /** Runs `step` on the journal's state and records its events. */
  private journal(meta: { ts: number; cpu: number; how?: 'pre-trace' }, step: (k: KernelCtx) => void): void {
    // one Tx for the step: its emits after the first change in place what the first copied
    // (logAlloc goes back only to the state the step started from)
    const k = new KernelCtx(this.state, this.k.profile, meta, undefined, null, new Tx());
    step(k);
    this.state = k.state;
    this.k.record(k.events);
  }

  /** the trace time the journal's pending flush-queue timer was armed at (null: none pending) */
  private journalTimer(): number | null {
    const d = this.state.flushQueues.domains.get(this.id)?.timerDeadline;
    return d === null || d === undefined ? null : d - IOVA_FQ_TIMEOUT_NS;
  }

  /**
   * The trace allocates [pfn, pfn + pages) again while the journal still has part of it on a
   * flush queue: in the kernel the timer has fired since its unmap (dma-iommu.c (6.1, 6.12)
   * fq_flush_timeout is the only way a queued IOVA gets back to the allocator once its ring has
   * room), the hypotheses have just not agreed where. The journal's timer fires now, on the CPU
   * the most probable hypothesis fires it on (else the CPU that armed it).
   */
  private flushFor(pfn: number, pages: number, ts: number): void {
    const fq = this.state.flushQueues.domains.get(this.id);
    if (!fq || fq.timerDeadline === null) return;
    const hi = pfn + pages - 1;
    if (!fq.queues.some((q) => q.some((e) => e.pfn <= hi && e.pfn + e.pages - 1 >= pfn))) return;
    const armed = fq.timerDeadline - IOVA_FQ_TIMEOUT_NS;
    const cpu = this.beam.best.fires.find((f) => f.armed === armed)?.cpu ?? fq.timerCpu ?? 0;
    this.journal({ ts, cpu }, (k) => fqFlushTimeout(k, this.id, cpu));
  }

  /** A timer every surviving world still has pending, that worlds which fired it no longer explain. */
  private learnNotFired(kept: readonly World[], ts: number): void {
    const armed = kept[0]?.fq?.timer?.at;
    if (armed === undefined || armed >= ts) return;
    if (kept.every((x) => x.fq?.timer?.at === armed) && this.beam.worlds.some((x) => !kept.includes(x) && x.fires.some((f) => f.armed === armed))) this.k.timers.notFiredBy(armed, ts);
  }

  /** Commits what every world agrees on, except the last KEEP_RECENT steps (retro.ts may still place a firing there). */
  private commitAgreed(): void {
    if (this.log.length > MAX_LOG) this.beam.keep([this.beam.best]);
    const n = Math.min(this.beam.agreed(this.log.length), this.log.length - KEEP_RECENT);
    if (n > 0) this.commit(n, false);
  }

  /**
   * The first n steps (and with `trailing`, the firings after the last of them) run into the
   * committed copy. Their firings go to the journal too, unless it fired that timer already
   * (flushFor): its pending timer, if any, was armed after the firing's place.
   */
  private commit(n: number, trailing: boolean): void {
    const fires = this.beam.best.fires;
    const until = trailing ? n + 1 : n;
    commitSteps(this.base, this.log, n, fires, until, dmaLimit, this.live);
    this.retroMemo.committed(n, until, fires);
    for (const f of fires)
      if (f.at < until) {
        this.k.timers.firedBetween(f.armed, f.after, f.before);
        this.k.odds.fired(f.armedCpu, f.cpu);
        const armed = this.journalTimer();
        if (armed !== null && armed <= f.before) this.journal({ ts: f.before, cpu: f.cpu }, (k) => fqFlushTimeout(k, this.id, f.cpu));
      }
    this.log = this.log.slice(n);
    this.beam.shift(n, until);
  }
}
