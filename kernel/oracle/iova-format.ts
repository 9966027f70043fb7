// The iova oracle format (shared/oracles/iova/README.md): init / alloc / free / find / reserve,
// the fast paths and rcache flushes, 6.12 depot ticks, the dma-iommu caller rule, 7.3's
// dma_iova_try_alloc / dma_iova_free (README-7.3.md), and state observations answered from the
// reducer state built from the deciders' events.
import { DeviceDmaConfigured, DomainAllocated, type IommuEvent, type Meta } from '../../domain-events/index.js';
import { iovaTreeView } from '../../projections/index.js';
import { evolveBatch, initialState, type IovaDomainState, type State } from '../../reducers/index.js';
import { type DmaAllocDevice, dmaBitMask, iommuDmaAllocIova, iommuDmaFreeIova, iovaAlign } from '../dma/alloc-iova.js';
import { dmaIovaFreeIova, dmaIovaTryAllocIova } from '../dma/iova-link-alloc.js';
import {
  allocIova,
  allocIovaFast,
  cpuDead,
  depotTick,
  findIova,
  flushRcaches,
  freeIova,
  freeIovaFast,
  initIovaDomain,
  IovaCtx,
  MAX_PFN,
  putIovaDomain,
  removeIova,
  reserveIova,
} from '../iova/index.js';
import { type Profile } from '../profile.js';
import { registerOracleFormat } from './registry.js';
import { input, isBool, isInt, isStr, type OracleFormat, OracleInputError, type OracleRecord, type OracleSession } from './types.js';

const DOMAIN = 1;

const OUTPUTS: Record<string, readonly string[]> = {
  init_iova_domain: ['dma_32bit_pfn'],
  alloc_iova: ['ok', 'pfn_lo', 'pfn_hi'],
  free_iova: ['found', 'pfn_lo', 'pfn_hi'],
  __free_iova: ['found', 'pfn_lo', 'pfn_hi'],
  find_iova: ['found', 'pfn_lo', 'pfn_hi'],
  reserve_iova: ['ok', 'pfn_lo', 'pfn_hi'],
  alloc_iova_fast: ['pfn'],
  free_iova_fast: [],
  cpu_dead: [],
  flush_rcaches: [],
  depot_tick: ['works_run'],
  dma_config: [],
  dma_device: [],
  dma_alloc: ['iova_pages', 'dma_addr', 'tried_32bit', 'pci_32bit_workaround_after'],
  dma_free: [],
  dma_iova_try_alloc: ['ok', 'iova_pages', 'dma_addr', 'tried_32bit', 'pci_32bit_workaround_after'],
  dma_iova_free: [],
  digest: ['nodes', 'cached_node', 'cached32_node', 'max32_alloc_size'],
  check_state: ['nodes', 'cached_node', 'cached32_node', 'max32_alloc_size', 'rcaches'],
  put_iova_domain: [],
};

const isPfn = (v: unknown): v is number => isInt(v) && v >= 0 && v <= MAX_PFN;
/** device names are strings or small integers in the files */
const isDev = (v: unknown): v is string | number => isStr(v) || isInt(v);

function found(n: { pfnLo: number; pfnHi: number } | null): Record<string, unknown> {
  return n ? { found: true, pfn_lo: n.pfnLo, pfn_hi: n.pfnHi } : { found: false, pfn_lo: null, pfn_hi: null };
}

const ptr = (p: number | null) => (p === null ? 'anchor' : p);

class IovaOracleSession implements OracleSession {
  private state: State = initialState();
  private geometry = { apertureEnd: (1n << 64n) - 1n, forceAperture: true, forcedac: false, busDmaLimit: 0n };
  private initialised = false;

  constructor(private readonly profile: Profile) {}

  private ctx(meta: Meta = {}): IovaCtx {
    if (!this.initialised) throw new OracleInputError('op', 'no init_iova_domain before this op');
    return IovaCtx.forDomain(this.state.iova, DOMAIN, this.profile, { cmd: 'oracle', ...meta });
  }

  private apply(events: readonly IommuEvent[]): void {
    this.state = evolveBatch(this.state, events);
  }

  private run<T>(meta: Meta, fn: (ctx: IovaCtx) => T): T {
    const ctx = this.ctx(meta);
    const r = fn(ctx);
    this.apply(ctx.events);
    return r;
  }

  private get domain(): IovaDomainState {
    return this.state.iova.domains.get(DOMAIN)!;
  }

  step(rec: OracleRecord): Record<string, unknown> {
    const op = rec.op as string;
    switch (op) {
      case 'init_iova_domain': {
        const granule = input(rec, 'granule', isInt, 'an integer');
        const startPfn = input(rec, 'start_pfn', isPfn, 'a pfn');
        const cpus = input(rec, 'cpus', isInt, 'an integer');
        const rcaches = input(rec, 'rcaches', isBool, 'true or false');
        // the harness puts the previous domain first
        if (this.initialised) this.run({}, (c) => putIovaDomain(c));
        this.initialised = true;
        const ctx = IovaCtx.forDomain(this.state.iova, DOMAIN, this.profile, { cmd: 'oracle' });
        const pfn32 = initIovaDomain(ctx, granule, startPfn, cpus, rcaches);
        this.apply(ctx.events);
        return { dma_32bit_pfn: pfn32 };
      }
      case 'alloc_iova': {
        const size = input(rec, 'size', isPfn, 'a size in pfns');
        const limit = input(rec, 'limit_pfn', isPfn, 'a pfn');
        const aligned = input(rec, 'size_aligned', isBool, 'true or false');
        const lo = this.run({}, (c) => allocIova(c, size, limit, aligned));
        return lo === null ? { ok: false, pfn_lo: null, pfn_hi: null } : { ok: true, pfn_lo: lo, pfn_hi: lo + size - 1 };
      }
      case 'free_iova': {
        const pfn = input(rec, 'pfn', isPfn, 'a pfn');
        return found(this.run({}, (c) => freeIova(c, pfn)));
      }
      case '__free_iova': {
        const pfn = input(rec, 'pfn', isPfn, 'a pfn');
        return found(
          this.run({}, (c) => {
            const n = findIova(c.d, pfn);
            if (n) removeIova(c, n, '__free_iova');
            return n;
          }),
        );
      }
      case 'find_iova':
        return found(findIova(this.ctx().d, input(rec, 'pfn', isPfn, 'a pfn')));
      case 'reserve_iova': {
        const lo = input(rec, 'lo', isInt, 'a pfn');
        const hi = input(rec, 'hi', isInt, 'a pfn');
        const r = this.run({}, (c) => reserveIova(c, lo, hi, 'explicit'));
        return { ok: r.ok, pfn_lo: r.pfnLo, pfn_hi: r.pfnHi };
      }
      case 'alloc_iova_fast': {
        const cpu = input(rec, 'cpu', isInt, 'a CPU number');
        const size = input(rec, 'size', isPfn, 'a size in pfns');
        const limit = input(rec, 'limit_pfn', isPfn, 'a pfn');
        const flush = input(rec, 'flush_rcache', isBool, 'true or false');
        return { pfn: this.run({ cpu }, (c) => allocIovaFast(c, size, limit, flush)) };
      }
      case 'free_iova_fast': {
        const cpu = input(rec, 'cpu', isInt, 'a CPU number');
        const pfn = input(rec, 'pfn', isPfn, 'a pfn');
        const size = input(rec, 'size', isPfn, 'a size in pfns');
        this.run({ cpu }, (c) => freeIovaFast(c, pfn, size));
        return {};
      }
      case 'cpu_dead': {
        const cpu = input(rec, 'cpu', isInt, 'a CPU number');
        this.run({ cpu }, (c) => cpuDead(c, cpu));
        return {};
      }
      case 'flush_rcaches':
        this.run({}, (c) => flushRcaches(c));
        return {};
      case 'depot_tick':
        return { works_run: this.run({}, (c) => depotTick(c)) };
      case 'dma_config':
        return this.dmaConfig(rec);
      case 'dma_device':
        return this.dmaDevice(rec);
      case 'dma_alloc':
        return this.dmaAlloc(rec);
      case 'dma_free': {
        const cpu = input(rec, 'cpu', isInt, 'a CPU number');
        const addr = BigInt(input(rec, 'dma_addr', isInt, 'an address'));
        const bytes = BigInt(input(rec, 'size_bytes', isInt, 'a size in bytes'));
        this.run({ cpu }, (c) => iommuDmaFreeIova(c, addr, iovaAlign(bytes, c.d.granule)));
        return {};
      }
      case 'dma_iova_try_alloc':
        return this.dmaIovaTryAlloc(rec);
      case 'dma_iova_free': {
        this.needIovaLink('dma_iova_free');
        const cpu = input(rec, 'cpu', isInt, 'a CPU number');
        const addr = BigInt(input(rec, 'dma_addr', isInt, 'an address'));
        const bytes = BigInt(input(rec, 'size_bytes', isInt, 'a size in bytes'));
        this.run({ cpu }, (c) => dmaIovaFreeIova(c, addr, bytes));
        return {};
      }
      case 'digest': {
        const d = this.ctx().d;
        return { nodes: d.nodes.size, cached_node: ptr(d.cachedNode), cached32_node: ptr(d.cached32Node), max32_alloc_size: d.max32AllocSize };
      }
      case 'check_state':
        return this.checkState();
      case 'put_iova_domain':
        this.run({}, (c) => putIovaDomain(c));
        this.initialised = false;
        return {};
      default:
        throw new OracleInputError('op', `unknown op ${JSON.stringify(op)}`);
    }
  }

  private checkState(): Record<string, unknown> {
    const d = this.ctx().d;
    const view = iovaTreeView(d);
    const out: Record<string, unknown> = {
      nodes: d.nodes.entries().map(([lo, hi]) => [lo, hi]),
      cached_node: ptr(d.cachedNode),
      cached32_node: ptr(d.cached32Node),
      max32_alloc_size: d.max32AllocSize,
    };
    if (d.rcaches) out.rcaches = view.rcache.map((r) => ({ order: r.order, depot: r.depot, cpus: r.cpus }));
    return out;
  }

  private dmaConfig(rec: OracleRecord): Record<string, unknown> {
    const apertureEnd = BigInt(input(rec, 'aperture_end', isInt, 'an address'));
    const forcedac = input(rec, 'forcedac', isBool, 'true or false');
    const bus = BigInt(input(rec, 'bus_dma_limit', isInt, 'an address'));
    const force = input(rec, 'force_aperture', isBool, 'true or false');
    this.geometry = { apertureEnd, forceAperture: force, forcedac, busDmaLimit: bus };
    this.apply([
      DomainAllocated.make(
        { domain: DOMAIN, domainType: 'DMA', apertureStart: 0n, apertureEnd, forceAperture: force, pgsizeBitmap: 0n, fmt: 'unknown', group: null, parent: null, owner: 'oracle' },
        { cmd: 'oracle' },
      ),
    ]);
    return {};
  }

  private dmaDevice(rec: OracleRecord): Record<string, unknown> {
    const dev = String(input(rec, 'dev', isDev, 'a device name'));
    const pci = input(rec, 'pci', isBool, 'true or false');
    // iommu_setup_dma_ops (6.12): pci_32bit_workaround = PCI && !iommu.forcedac
    const workaround = pci && !this.geometry.forcedac;
    this.apply([
      DeviceDmaConfigured.make(
        { device: dev, pci, dmaMask: (1n << 64n) - 1n, coherentDmaMask: (1n << 64n) - 1n, busDmaLimit: this.geometry.busDmaLimit, pci32Workaround: workaround, coherent: true },
        { cmd: 'oracle' },
      ),
    ]);
    return {};
  }

  private device(rec: OracleRecord): DmaAllocDevice {
    const dev = String(input(rec, 'dev', isDev, 'a device name'));
    const info = this.state.topology.devices[dev]?.dma;
    if (!info) throw new OracleInputError('dev', `device ${JSON.stringify(dev)} was not declared by dma_device`);
    return { name: dev, pci: info.pci, pci32Workaround: info.pci32Workaround, busDmaLimit: info.busDmaLimit };
  }

  private needIovaLink(op: string): void {
    if (!this.profile.dma.iovaLink) throw new OracleInputError('op', `${op}: profile ${this.profile.name} has no dma_iova API (dma-iommu.c 7.3.4; absent from 6.12.117)`);
  }

  private dmaIovaTryAlloc(rec: OracleRecord): Record<string, unknown> {
    this.needIovaLink('dma_iova_try_alloc');
    const dev = this.device(rec);
    const cpu = input(rec, 'cpu', isInt, 'a CPU number');
    const phys = BigInt(input(rec, 'phys', isInt, 'an address'));
    const bytes = BigInt(input(rec, 'size_bytes', isInt, 'a size in bytes'));
    const bits = input(rec, 'dma_mask_bits', isInt, 'a number of bits');
    const r = this.run({ cpu }, (c) => dmaIovaTryAllocIova(c, dev, this.geometry, phys, bytes, dmaBitMask(bits)));
    const shift = BigInt(Math.log2(this.domain.granule));
    return {
      ok: r.ok,
      iova_pages: Number(r.length >> shift),
      dma_addr: Number(r.dmaAddr),
      tried_32bit: r.tried32bit,
      pci_32bit_workaround_after: this.state.topology.devices[dev.name]!.dma!.pci32Workaround,
      warn: r.warn,
    };
  }

  private dmaAlloc(rec: OracleRecord): Record<string, unknown> {
    const dev = this.device(rec);
    const cpu = input(rec, 'cpu', isInt, 'a CPU number');
    const bytes = BigInt(input(rec, 'size_bytes', isInt, 'a size in bytes'));
    const bits = input(rec, 'dma_mask_bits', isInt, 'a number of bits');
    const r = this.run({ cpu }, (c) => iommuDmaAllocIova(c, iovaAlign(bytes, c.d.granule), dmaBitMask(bits), dev, this.geometry));
    return {
      iova_pages: r.iovaPages,
      dma_addr: Number(r.iova),
      tried_32bit: r.tried32bit,
      pci_32bit_workaround_after: this.state.topology.devices[dev.name]!.dma!.pci32Workaround,
    };
  }
}

export const iovaOracleFormat: OracleFormat = {
  kind: 'iova-oracle',
  outputs: (op) => OUTPUTS[op],
  open: (_header, profile) => new IovaOracleSession(profile),
};

registerOracleFormat(iovaOracleFormat);
