// The allocator mirror: every translated domain of a trace gets the IOVA allocator of the kernel
// the trace came from (kernel/ iova.c and dma-iommu deciders, the capture's profile), fed with
// what the trace shows: each allocation at the IOVA the kernel printed, each free when the unmap
// (strict) or the flush-queue timer (lazy, lazy-domain.ts) releases it. Before an allocation is
// taken in, the mirror says which IOVA the kernel should have chosen (the prediction trace
// verify scores). Each domain has a state of its own: nothing in iova.c or the flush queue
// crosses domains.
import { type IommuEvent } from '../../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../../reducers/index.js';
import { DMA_BIT_MASK_32, iommuDmaAllocIova } from '../../kernel/dma/alloc-iova.js';
import { freeIovaFast, initIovaDomain, IovaCtx, reserveIova } from '../../kernel/iova/index.js';
import { KernelCtx } from '../../kernel/machine/ctx.js';
import { type Profile } from '../../kernel/profile.js';
import { dmaLimit, heldBy, LazyDomain, type LazyVia } from './lazy-domain.js';
import { forceAlloc, forceWhole, heldWhole } from './force.js';
import { dropPhantoms, FreeCpus } from './phantoms.js';
import { type HeldIn } from './shadow-iova.js';
import { TimerModel } from './timer-model.js';

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
  /** a lazy domain: what gave it (lazy-domain.ts); null: strict */
  readonly via: LazyVia | null;
}

interface DomainMirror {
  readonly id: number;
  /** a lazy domain's hypotheses about its flush-queue timer (null: strict) */
  readonly lazy: LazyDomain | null;
  /** strict: the domain's allocator as the journal has it */
  state: State;
  /** the pfns of the allocations the trace shows live (taken in, not yet unmapped) */
  readonly live: Set<number>;
  readonly frees: FreeCpus;
}

const GRANULE = 4096n;

/**
 * Where a flush-queue timer runs: mod_timer queues it on the arming CPU, and it runs there unless
 * timer migration (NOHZ) moves it. The odds are learned from the firings the allocations placed,
 * starting from "mostly the arming CPU".
 */
class TimerCpuOdds {
  private same = 4;
  private total = 5;

  sameCpu(): number {
    return this.same / this.total;
  }

  fired(armedCpu: number, cpu: number): void {
    if (armedCpu === cpu) this.same++;
    this.total++;
  }
}

export class AllocatorMirror {
  private readonly domains = new Map<number, DomainMirror>();
  private readonly workaround = new Map<string, boolean>();
  readonly timers = new TimerModel();
  readonly odds = new TimerCpuOdds();
  /** lazy allocations whose IOVA the most probable timer hypothesis did not give */
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

  record(events: readonly IommuEvent[]): void {
    for (const e of events) this.out.push(e);
  }

  isLazy(domain: number): boolean {
    return this.domains.get(domain)?.lazy != null;
  }

  /** where a lazy domain's most probable copy held the allocation it just entered as found (null: none entered) */
  foundIn(domain: number): HeldIn | null {
    return this.domains.get(domain)?.lazy?.lastFound ?? null;
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
    const live = new Set<number>();
    const frees = new FreeCpus();
    this.domains.set(domain, { id: domain, lazy: d.lazy ? new LazyDomain(domain, state, this, live) : null, state, live, frees });
    this.record([...c.events, ...r.events]);
  }

  /** the device as the allocator sees it: its bus and the sticky 6.12 workaround flag */
  private shadowDevice(device: MirrorDevice): MirrorDevice & { pci32Workaround: boolean } {
    // iommu.c (6.12) iommu_setup_dma_ops: pci_32bit_workaround starts set for PCI devices only
    if (!this.workaround.has(device.name)) this.workaround.set(device.name, device.pci && this.profile.dma.pci32 !== 'off');
    return { name: device.name, pci: device.pci, pci32Workaround: this.workaround.get(device.name)! };
  }

  /** iommu_dma_alloc_iova for `pages` under a `maskBits` DMA mask on the kernel model. */
  private decideIova(k: KernelCtx, domain: number, device: MirrorDevice, pages: number, maskBits: number) {
    const dev = this.shadowDevice(device);
    return k.withIova(domain, (c) =>
      iommuDmaAllocIova(c, BigInt(pages) * GRANULE, dmaLimit(maskBits), { ...dev, busDmaLimit: 0n }, { apertureEnd: (1n << 48n) - 1n, forceAperture: true, forcedac: this.profile.dma.pci32 === 'off' }),
    );
  }

  /** the pfn iommu_dma_alloc_iova gives on the kernel model (the lazy domains' commits) */
  decide(k: KernelCtx, domain: number, device: MirrorDevice, pages: number, maskBits: number): number {
    return Number(this.decideIova(k, domain, device, pages, maskBits).iova / GRANULE);
  }

  /** What iommu_dma_alloc_iova would return for `pages` under a DMA mask of `maskBits`. */
  predict(domain: number, device: MirrorDevice, pages: number, maskBits: number, cpu: number, ts: number | null): Prediction {
    const d = this.domains.get(domain);
    if (!d) return { iova: null, tried32: false };
    if (d.lazy && ts !== null) {
      const pfn = d.lazy.predict(this.shadowDevice(device), pages, maskBits, cpu, ts);
      return { iova: pfn === 0 ? null : BigInt(pfn) * GRANULE, tried32: false };
    }
    const k = new KernelCtx(this.stateOf(d), this.profile, { ts, cpu });
    const r = this.decideIova(k, domain, device, pages, maskBits);
    return { iova: r.iova === 0n ? null : r.iova, tried32: r.tried32bit };
  }

  private stateOf(d: DomainMirror): State {
    return d.lazy ? d.lazy.state : d.state;
  }

  commit(domain: number, device: MirrorDevice, iova: bigint, pages: number, maskBits: number, cpu: number, ts: number | null): boolean {
    return this.resolve(domain, device, iova, [pages], [maskBits], cpu, ts) !== null;
  }

  /**
   * The allocation the trace shows, at `iova`, of one of `sizes` pages under one of `masks` (the
   * first that gives it). Returns what matched, or null when nothing did (the range is then
   * entered as found, with sizes[0]).
   */
  resolve(domain: number, device: MirrorDevice, iova: bigint, sizes: readonly number[], masks: readonly number[], cpu: number, ts: number | null, sure = false): Resolved | null {
    const d = this.domains.get(domain);
    if (!d) return null;
    let got: (Omit<Resolved, 'via'> & { tried32: boolean; via?: LazyVia }) | null;
    if (d.lazy && ts !== null) {
      got = d.lazy.resolve(this.shadowDevice(device), Number(iova / GRANULE), sizes, masks, cpu, ts, sure);
      if (got?.timer) this.timerDependent++;
    } else got = this.resolveNow(d, device, iova, sizes, masks, cpu, ts);
    if (this.profile.dma.pci32 === 'sticky-per-device' && iova > DMA_BIT_MASK_32 && (!got || got.tried32)) this.workaround.set(device.name, false);
    d.live.add(Number(iova / GRANULE));
    return got ? { pages: got.pages, mask: got.mask, timer: got.timer, via: got.via ?? null } : null;
  }

  private resolveNow(d: DomainMirror, device: MirrorDevice, iova: bigint, sizes: readonly number[], masks: readonly number[], cpu: number, ts: number | null): (Omit<Resolved, 'via'> & { tried32: boolean }) | null {
    const state = this.stateOf(d);
    for (const pages of sizes)
      for (const mask of masks) {
        const k = new KernelCtx(state, this.profile, { ts, cpu });
        const r = this.decideIova(k, d.id, device, pages, mask);
        if (r.iova !== iova) continue;
        this.setState(d, k.state);
        this.record(k.events);
        return { pages, mask, timer: false, tried32: r.tried32bit };
      }
    // nothing gave it: the CPU's magazines may hold phantoms (phantoms.ts), unless it refills them itself
    if (!d.frees.refills(cpu))
      for (const pages of sizes)
        for (const mask of masks) {
          const k = new KernelCtx(state, this.profile, { ts, cpu });
          if (!k.withIova(d.id, (c) => dropPhantoms(c, cpu, pages, d.live), cpu)) continue;
          const r = this.decideIova(k, d.id, device, pages, mask);
          if (r.iova !== iova) continue;
          this.setState(d, k.state);
          this.record(k.events);
          return { pages, mask, timer: false, tried32: r.tried32bit };
        }
    const k = new KernelCtx(state, this.profile, { ts, cpu });
    this.force(k, d.id, Number(iova / GRANULE), sizes[0], cpu);
    this.setState(d, k.state);
    this.record(k.events);
    return null;
  }

  private setState(d: DomainMirror, s: State): void {
    if (d.lazy) d.lazy.state = s;
    else d.state = s;
  }

  /** Enter an allocation the model did not choose (it was wrong, or the trace lacks a free): force.ts. */
  force(k: KernelCtx, domain: number, pfn: number, pages: number, cpu: number): void {
    forceAlloc(k, domain, pfn, pages, cpu);
  }

  /**
   * An allocation from before the trace (its unmap is the first the trace shows of it): entered as
   * found, so that its free goes back to an allocator that holds it.
   */
  adopt(domain: number, iova: bigint, pages: number, cpu: number, ts: number | null): void {
    const d = this.domains.get(domain);
    if (!d) return;
    if (d.lazy && ts !== null) return d.lazy.adopt(Number(iova / GRANULE), pages, cpu, ts);
    const k = new KernelCtx(this.stateOf(d), this.profile, { ts, cpu, how: 'pre-trace' });
    forceWhole(k, domain, Number(iova / GRANULE), pages, cpu);
    this.setState(d, k.state);
    this.record(k.events);
  }

  /**
   * The unmap of a range whose start the journal holds, but not as the one node the kernel freed
   * (force.ts forceWhole): the rest of a list whose first lines came before the trace, entered
   * line by line, or a start the model entered too short. It becomes that one node before its free.
   */
  private wholeAt(d: DomainMirror, pfn: number, pages: number, cpu: number, ts: number | null): void {
    const s = this.stateOf(d).iova.domains.get(d.id)!;
    if (heldWhole(s, pfn, pages) || s.nodes.get(pfn) === undefined) return;
    const k = new KernelCtx(this.stateOf(d), this.profile, { ts, cpu });
    forceWhole(k, d.id, pfn, pages, cpu);
    this.setState(d, k.state);
    this.record(k.events);
  }

  /** The unmap of an allocation: strict frees at once; lazy queues it in every timer hypothesis. */
  free(domain: number, iova: bigint, pages: number, cpu: number, ts: number | null): void {
    const d = this.domains.get(domain);
    if (!d) return;
    const pfn = Number(iova / GRANULE);
    // an unmap of a range the allocator never handed out in the trace: its allocation came before
    // the trace started (however the line was placed), entered as found so that the free goes
    // back to an allocator that holds it (iova.c (6.1, 6.12) free_iova_fast caches the pfn and
    // the node stays: a node must be there)
    if (!heldBy(this.stateOf(d), domain, pfn)) this.adopt(domain, iova, pages, cpu, ts);
    else if (!d.lazy) this.wholeAt(d, pfn, pages, cpu, ts);
    d.live.delete(pfn);
    d.frees.freed(cpu);
    if (d.lazy && ts !== null) return d.lazy.free(pfn, pages, cpu, ts);
    // a lazy domain without timestamps: freed at once (no timer can be placed)
    const k = new KernelCtx(this.stateOf(d), this.profile, { ts, cpu });
    k.withIova(domain, (c) => freeIovaFast(c, pfn, pages));
    this.setState(d, k.state);
    this.record(k.events);
  }

  /** At the end of the trace: every lazy domain's log committed with its most probable firings. */
  settleAll(ts: number | null): void {
    for (const d of this.domains.values()) d.lazy?.settle(ts);
  }
}
