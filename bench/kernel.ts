// Kernel decider throughput: iova.c fast and slow paths, and iommu_map/iommu_unmap on an
// io-pgtable-arm table, each decided and folded into state as the simulator does it.
import { evolveBatch, initialState, type State } from '../reducers/index.js';
import { iommuMap, iommuUnmap } from '../kernel/core/iommu-map.js';
import { allocIova, allocIovaFast, freeIova, freeIovaFast, initIovaDomain, IovaCtx } from '../kernel/iova/index.js';
import { KernelModel } from '../kernel/machine/machine.js';
import { ARM_SMMU_V3 } from '../kernel/machine/platform.js';
import { PgtableCtx } from '../kernel/pgtable/ctx.js';
import { linux612 } from '../kernel/profiles/linux-6.12.js';
import { rng } from './synthetic.js';
import { best } from './timing.js';

function iovaOps(n: number, fast: boolean): number {
  const r = rng(11);
  let state: State = initialState();
  const step = (cpu: number, fn: (c: IovaCtx) => unknown) => {
    const c = IovaCtx.forDomain(state.iova, 1, linux612, { cpu });
    const v = fn(c);
    state = evolveBatch(state, c.events);
    return v;
  };
  step(0, (c) => initIovaDomain(c, 4096, 1, 2, true));
  const live: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const cpu = i & 1;
    if (live.length > 2000 || (live.length && r() < 0.5)) {
      const [pfn, size] = live.splice(Math.floor(r() * live.length), 1)[0];
      step(cpu, (c) => (fast ? freeIovaFast(c, pfn, size) : freeIova(c, pfn)));
    } else {
      const size = r() < 0.7 ? 1 : 1 + Math.floor(r() * 64);
      const pfn = step(cpu, (c) => (fast ? allocIovaFast(c, size, 0xfffff, true) : allocIova(c, size, 0xfffff, true))) as number | null;
      if (pfn) live.push([pfn, size]);
    }
  }
  return n;
}

function mapUnmap(n: number): number {
  const r = rng(5);
  const m = new KernelModel(linux612, ARM_SMMU_V3);
  const d = m.run({ op: 'alloc_domain', type: 'UNMANAGED', owner: 'bench' }).value as number;
  const dom = { type: 'UNMANAGED' as const, pgsizeBitmap: 0x40201000n, hasMapOps: true };
  let state = m.state;
  const live: [bigint, bigint][] = [];
  let next = 0x100000000n;
  for (let i = 0; i < n; i++) {
    const c = new PgtableCtx(state.pageTables, d, linux612, {});
    if (live.length > 1000 || (live.length && r() < 0.5)) {
      const [iova, size] = live.splice(Math.floor(r() * live.length), 1)[0];
      iommuUnmap(c, dom, iova, size);
    } else {
      const size = r() < 0.1 ? 0x200000n : BigInt(1 + Math.floor(r() * 64)) << 12n;
      const iova = (next + size - 1n) & ~(size - 1n);
      next = iova + size;
      iommuMap(c, dom, iova, iova - 0x80000000n, size, 3);
      live.push([iova, size]);
    }
    state = evolveBatch(state, c.events);
  }
  return n;
}

export function kernelBench(): Record<string, number> {
  const n = 100_000;
  const fastMs = best(3, () => iovaOps(n, true));
  const slowMs = best(3, () => iovaOps(n, false));
  const mapMs = best(3, () => mapUnmap(n / 2));
  return {
    iovaFastOpsPerSec: Math.round(n / (fastMs / 1000)),
    iovaSlowOpsPerSec: Math.round(n / (slowMs / 1000)),
    mapUnmapOpsPerSec: Math.round(n / 2 / (mapMs / 1000)),
  };
}
