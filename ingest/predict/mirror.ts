// The allocator mirror: every translated domain of a trace gets the IOVA allocator of the
// kernel the trace came from (kernel/ iova.c and dma-iommu deciders, the capture's profile),
// fed with what the trace shows — each allocation at the IOVA the kernel printed, each free when
// the unmap (strict) or the flush-queue timer (lazy) releases it. Before an allocation is
// committed, the mirror says which IOVA the kernel should have chosen: attribution uses that to
// tell domains apart, `trace verify` scores it.
import { IovaAllocated, type IommuEvent, type Meta } from '../../domain-events/index.js';
import { evolveBatch, initialState, type IovaDomainState, type State } from '../../reducers/index.js';
import { DMA_BIT_MASK_32, iommuDmaAllocIova } from '../../kernel/dma/alloc-iova.js';
import { queueIova, runDueTimers } from '../../kernel/dma/flush-queue.js';
import { freeIovaFast, initIovaDomain, IovaCtx, orderBase2, reserveIova } from '../../kernel/iova/index.js';
import { KernelCtx } from '../../kernel/machine/ctx.js';
import { type Profile } from '../../kernel/profile.js';

export interface MirrorDomain {
  readonly lazy: boolean;
  readonly reserved: readonly { start: bigint; end: bigint; why: string }[];
}

export interface Prediction {
  /** IOVA (bytes) the kernel would hand out, or null if it would fail */
  readonly iova: bigint | null;
  /** the 32-bit attempt was made (PCI 32-bit-first) */
  readonly tried32: boolean;
}

const GRANULE = 4096n;

export class AllocatorMirror {
  private state: State = initialState();
  private readonly lazy = new Map<number, boolean>();
  /** per device: PCI 32-bit-first workaround still on (6.12 sticky rule) */
  private readonly workaround = new Map<string, boolean>();

  constructor(
    readonly profile: Profile,
    readonly cpus: number,
  ) {}

  has(domain: number): boolean {
    return this.state.iova.domains.has(domain);
  }

  private apply(events: readonly IommuEvent[]): void {
    if (events.length) this.state = evolveBatch(this.state, events);
  }

  /** iommu_dma_init_domain for a DMA domain: start pfn 1, the reserved windows carved out. */
  addDomain(domain: number, d: MirrorDomain): void {
    if (this.has(domain)) return;
    const c = IovaCtx.forDomain(this.state.iova, domain, this.profile, {});
    initIovaDomain(c, 4096, 1, Math.max(1, this.cpus), true);
    this.apply(c.events);
    const r = IovaCtx.forDomain(this.state.iova, domain, this.profile, {});
    for (const w of d.reserved) reserveIova(r, Number(w.start / GRANULE), Number(w.end / GRANULE), w.why);
    this.apply(r.events);
    this.lazy.set(domain, d.lazy);
  }

  iova(domain: number): IovaDomainState | undefined {
    return this.state.iova.domains.get(domain);
  }

  /** Runs flush-queue timers due by `ts`, and returns a context for one call. */
  private ctx(ts: number | null, cpu: number): KernelCtx {
    const k = new KernelCtx(this.state, this.profile, { ts, cpu });
    if (ts !== null) runDueTimers(k, ts);
    return k;
  }

  private flags(device: string, pci: boolean): boolean {
    if (!this.workaround.has(device)) this.workaround.set(device, pci && this.profile.dma.pci32 !== 'off');
    return this.workaround.get(device)!;
  }

  /** What iommu_dma_alloc_iova would return for `pages` under a DMA mask of `maskBits`. */
  predict(domain: number, device: string, pages: number, maskBits: number, cpu: number, ts: number | null): Prediction {
    if (!this.has(domain)) return { iova: null, tried32: false };
    const k = this.ctx(ts, cpu);
    const mask = maskBits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(maskBits)) - 1n;
    const r = k.withIova(domain, (c) =>
      iommuDmaAllocIova(c, BigInt(pages) * GRANULE, mask, { name: device, pci: true, pci32Workaround: this.flags(device, true), busDmaLimit: 0n }, { apertureEnd: (1n << 48n) - 1n, forceAperture: true, forcedac: this.profile.dma.pci32 === 'off' }),
    );
    return { iova: r.iova === 0n ? null : r.iova, tried32: r.tried32bit };
  }

  /**
   * The allocation the trace shows, at `iova`. When the kernel's own choice was that IOVA the
   * mirror takes the decider's events; otherwise the range is entered as found (from the CPU's
   * magazine when it is parked there, else as a new rbtree node).
   */
  commit(domain: number, device: string, iova: bigint, pages: number, maskBits: number, cpu: number, ts: number | null): boolean {
    if (!this.has(domain)) return false;
    const k = this.ctx(ts, cpu);
    const mask = maskBits >= 64 ? (1n << 64n) - 1n : (1n << BigInt(maskBits)) - 1n;
    const probe = new KernelCtx(k.state, this.profile, { ts, cpu });
    const r = probe.withIova(domain, (c) =>
      iommuDmaAllocIova(c, BigInt(pages) * GRANULE, mask, { name: device, pci: true, pci32Workaround: this.flags(device, true), busDmaLimit: 0n }, { apertureEnd: (1n << 48n) - 1n, forceAperture: true, forcedac: this.profile.dma.pci32 === 'off' }),
    );
    if (r.iova === iova) {
      this.state = probe.state;
      if (this.profile.dma.pci32 === 'sticky-per-device' && r.tried32bit && iova > DMA_BIT_MASK_32) this.workaround.set(device, false);
      return true;
    }
    this.state = k.state;
    this.force(domain, Number(iova / GRANULE), pages, cpu);
    if (this.profile.dma.pci32 === 'sticky-per-device' && iova > DMA_BIT_MASK_32) this.workaround.set(device, false);
    return false;
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
        this.apply([IovaAllocated.make({ domain, size: pages, limitPfn: pfn + rounded - 1, sizeAligned: true, pfnLo: pfn, pfnHi: pfn + rounded - 1, fromRcache: true, magIndex: i, cachedNode: d.cachedNode, cached32Node: d.cached32Node }, { ...meta, cpu: c })]);
        return;
      }
    }
    const lo = d.nodes.floorKey(pfn);
    if (lo !== undefined && d.nodes.get(lo)! >= pfn) return; // already a node (a cached pfn on a magazine we could not reach)
    const hi = pfn + rounded - 1;
    const cached32 = hi < d.dma32bitPfn ? pfn : d.cached32Node;
    const cached = hi < d.dma32bitPfn ? d.cachedNode : pfn;
    this.apply([IovaAllocated.make({ domain, size: pages, limitPfn: hi, sizeAligned: true, pfnLo: pfn, pfnHi: hi, fromRcache: false, magIndex: null, cachedNode: cached, cached32Node: cached32 }, meta)]);
  }

  /** The unmap of an allocation: strict frees at once, lazy queues until a flush. */
  free(domain: number, iova: bigint, pages: number, cpu: number, ts: number | null): void {
    if (!this.has(domain)) return;
    const k = this.ctx(ts, cpu);
    const pfn = Number(iova / GRANULE);
    if (this.lazy.get(domain)) queueIova(k, domain, pfn, pages);
    else k.withIova(domain, (c) => freeIovaFast(c, pfn, pages));
    this.state = k.state;
  }
}
