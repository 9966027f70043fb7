// What each workload statement does: the kernel command it issues and what `expect=` compares.
import { DMA_DIRS, type DmaDir, DOMAIN_TYPES, type DomainType, type Errno } from '../../domain-events/index.js';
import { iovaToPhys } from '../../projections/page-table.js';
import { DMA_MAPPING_ERROR } from '../../reducers/index.js';
import { Args, fail } from './args.js';
import { type Statement } from './ast.js';
import { type PoolEntry, type WorkloadRun } from './run.js';
import { DMA_IOVA_VERBS } from './verbs-dma-iova.js';
import { IOMMUFD_VERBS } from './verbs-iommufd.js';

type Verb = (r: WorkloadRun, s: Statement) => void;

// IOMMU_READ 1, WRITE 2, CACHE 4, NOEXEC 8 (n), MMIO 16 (m)
const PROT: Record<string, number> = { r: 1, w: 2, rw: 3, rn: 1 | 8, rwn: 3 | 8, rwnc: 3 | 8 | 4, wnm: 2 | 8 | 16 };
const ORDERS = ['fifo', 'lifo', 'random'] as const;
const DIRS = DMA_DIRS as readonly string[];

function args(r: WorkloadRun, s: Statement, keys: readonly string[], positional: number): Args {
  return new Args(r, s, keys, positional);
}

function take(r: WorkloadRun, a: Args, pool: PoolEntry[]): PoolEntry | undefined {
  if (!pool.length) return undefined;
  const order = a.word('order', 'fifo', ORDERS);
  const i = order === 'fifo' ? 0 : order === 'lifo' ? pool.length - 1 : Number(r.prng.between(0n, BigInt(pool.length - 1)));
  return pool.splice(i, 1)[0];
}

function push(r: WorkloadRun, a: Args, e: PoolEntry): void {
  if (!a.has('as')) return;
  const name = a.word('as');
  const p = r.pools.get(name) ?? [];
  p.push(e);
  r.pools.set(name, p);
}

const errnoOr = (e: Errno | null | undefined) => e ?? 'ok';

const dir = (a: Args) => a.word('dir', 'BIDIRECTIONAL', DIRS) as DmaDir;

export const VERBS: Readonly<Record<string, Verb>> = {
  ...DMA_IOVA_VERBS,
  ...IOMMUFD_VERBS,
  step(r, s) {
    r.exec(s, { op: 'marker', text: s.text });
  },
  cpu(r, s) {
    const a = args(r, s, [], 1);
    const cpu = Number(a.num(0));
    const n = r.model.platform.cpus;
    if (cpu < 0 || cpu >= n) fail(r, a.posOf(0), `cpu ${cpu}: the platform has ${n} CPU${n === 1 ? '' : 's'} (set more with "cpus N")`);
    r.cpu = cpu;
  },
  wait(r, s) {
    r.ts += Number(args(r, s, [], 1).num(0));
  },
  probe(r, s) {
    const a = args(r, s, ['pci', 'mask', 'coherent_mask', 'group', 'max_pasids', 'type'], 1);
    const type = a.has('type') ? (a.word('type', undefined, DOMAIN_TYPES) as DomainType) : undefined;
    r.exec(s, {
      op: 'probe',
      device: a.word(0),
      pci: a.num('pci', 1n) !== 0n,
      dmaMaskBits: Number(a.num('mask', 64n)),
      coherentMaskBits: a.has('coherent_mask') ? Number(a.num('coherent_mask')) : undefined,
      group: a.has('group') ? Number(a.num('group')) : undefined,
      maxPasids: a.has('max_pasids') ? Number(a.num('max_pasids')) : undefined,
      defaultDomainType: type,
    });
  },
  remove(r, s) {
    r.exec(s, { op: 'remove', device: args(r, s, [], 1).word(0) });
  },
  domain(r, s) {
    const a = args(r, s, ['type', 'owner', 'parent'], 1);
    const name = a.word(0);
    const parent = a.has('parent') ? r.domain(a, 'parent') : undefined;
    const id = r.exec(s, { op: 'alloc_domain', type: a.word('type', 'UNMANAGED', DOMAIN_TYPES) as DomainType, owner: a.word('owner', 'driver'), parent }) as number;
    r.domains.set(name, id);
  },
  free_domain(r, s) {
    r.exec(s, { op: 'free_domain', domain: r.domain(args(r, s, [], 1), 0) });
  },
  attach(r, s) {
    const a = args(r, s, [], 2);
    r.exec(s, { op: 'attach', device: a.word(0), domain: r.domain(a, 1) });
  },
  detach(r, s) {
    r.exec(s, { op: 'detach', device: args(r, s, [], 1).word(0) });
  },
  msi_cookie(r, s) {
    const a = args(r, s, ['base', 'expect'], 1);
    const v = r.exec(s, { op: 'get_msi_cookie', domain: r.domain(a, 0), base: a.has('base') ? a.num('base') : undefined }) as Errno | null;
    r.expect(s, a, errnoOr(v));
  },
  vfio_msi_window(r, s) {
    const a = args(r, s, ['iova', 'size', 'expect'], 1);
    const v = r.exec(s, { op: 'vfio_msi_window', domain: r.domain(a, 0), iova: a.num('iova'), size: a.num('size') }) as Errno | null;
    r.expect(s, a, errnoOr(v));
  },
  vfio_release(r, s) {
    r.exec(s, { op: 'vfio_release', domain: r.domain(args(r, s, [], 1), 0) });
  },
  vfio_group(r, s) {
    const a = args(r, s, ['container', 'expect'], 1);
    const v = r.exec(s, { op: 'vfio_group_set_container', device: a.word(0), container: a.word('container'), scratch: r.phys(0x2000n) }) as Errno | null;
    r.expect(s, a, errnoOr(v));
  },
  vfio_set_iommu(r, s) {
    const a = args(r, s, ['expect'], 1);
    const v = r.exec(s, { op: 'vfio_set_iommu', container: a.word(0), scratch: r.phys(0x2000n) }) as Errno | null;
    r.expect(s, a, errnoOr(v));
  },
  vfio_map(r, s) {
    const a = args(r, s, ['iova', 'size', 'pa', 'prot', 'expect'], 1);
    const size = a.num('size');
    const prot = PROT[a.word('prot', 'rw', Object.keys(PROT))];
    const v = r.exec(s, { op: 'vfio_dma_map', container: a.word(0), iova: a.num('iova'), size, paddr: a.has('pa') ? a.num('pa') : r.phys(size), prot }) as Errno | null;
    r.expect(s, a, errnoOr(v));
  },
  vfio_unmap(r, s) {
    const a = args(r, s, ['iova', 'size', 'expect'], 1);
    r.expect(s, a, r.exec(s, { op: 'vfio_dma_unmap', container: a.word(0), iova: a.num('iova'), size: a.num('size') }) as bigint);
  },
  vfio_group_close(r, s) {
    const a = args(r, s, ['expect'], 1);
    r.expect(s, a, errnoOr(r.exec(s, { op: 'vfio_group_unset_container', device: a.word(0) }) as Errno | null));
  },
  map(r, s) {
    const a = args(r, s, ['iova', 'size', 'pa', 'prot', 'expect'], 1);
    const size = a.num('size');
    const prot = PROT[a.word('prot', 'rw', Object.keys(PROT))];
    const v = r.exec(s, { op: 'iommu_map', domain: r.domain(a, 0), iova: a.num('iova'), paddr: a.has('pa') ? a.num('pa') : r.phys(size), size, prot }) as Errno | null;
    r.expect(s, a, errnoOr(v));
  },
  unmap(r, s) {
    const a = args(r, s, ['iova', 'size', 'expect'], 1);
    const v = r.exec(s, { op: 'iommu_unmap', domain: r.domain(a, 0), iova: a.num('iova'), size: a.num('size') }) as bigint;
    r.expect(s, a, v);
  },
  iova_to_phys(r, s) {
    const a = args(r, s, ['iova', 'expect'], 1);
    const pt = r.model.state.pageTables.domains.get(r.domain(a, 0));
    r.expect(s, a, (pt ? iovaToPhys(pt, a.num('iova')) : null) ?? 0n);
  },
  dma_map(r, s) {
    const a = args(r, s, ['size', 'phys', 'dir', 'as'], 1);
    const device = a.word(0);
    const size = a.num('size');
    const phys = a.has('phys') ? a.num('phys') : r.phys(size);
    const d = dir(a);
    const addr = r.exec(s, { op: 'dma_map_page', device, phys, size, dir: d }) as bigint;
    if (addr !== DMA_MAPPING_ERROR) push(r, a, { device, dmaAddrs: [addr], sizes: [size], phys: [phys], dir: d });
  },
  dma_unmap(r, s) {
    const a = args(r, s, ['order', 'dir'], 2);
    const e = take(r, a, r.pool(a, 1));
    if (e) r.exec(s, { op: 'dma_unmap_page', device: e.device, dmaAddr: e.dmaAddrs[0], size: e.sizes[0], dir: a.has('dir') ? dir(a) : e.dir });
  },
  dma_map_sg(r, s) {
    const a = args(r, s, ['nents', 'seg', 'dir', 'as'], 1);
    const device = a.word(0);
    const n = Number(a.num('nents'));
    const sg = Array.from({ length: n }, () => {
      const length = a.num('seg');
      return { phys: r.phys(length), length };
    });
    const d = dir(a);
    const out = r.exec(s, { op: 'dma_map_sg', device, sg, dir: d }) as { dmaAddrs: bigint[]; sizes: bigint[] } | null;
    // the unmap takes the DMA segments the map returned (merged by __finalise_sg), not the entries
    if (out) push(r, a, { device, dmaAddrs: out.dmaAddrs, sizes: out.sizes, phys: sg.map((e) => e.phys), dir: d });
  },
  dma_unmap_sg(r, s) {
    const a = args(r, s, ['order', 'dir'], 2);
    const e = take(r, a, r.pool(a, 1));
    if (e) r.exec(s, { op: 'dma_unmap_sg', device: e.device, dmaAddrs: e.dmaAddrs, sizes: e.sizes, physAddrs: e.phys, dir: a.has('dir') ? dir(a) : e.dir });
  },
  dma_alloc(r, s) {
    const a = args(r, s, ['size', 'as'], 1);
    const device = a.word(0);
    const size = a.num('size');
    const phys = r.phys(size);
    const addr = r.exec(s, { op: 'dma_alloc', device, size, pages: [phys] }) as bigint;
    if (addr !== 0n) push(r, a, { device, dmaAddrs: [addr], sizes: [size], phys: [phys], dir: 'BIDIRECTIONAL' });
  },
  dma_free(r, s) {
    const a = args(r, s, ['order'], 2);
    const e = take(r, a, r.pool(a, 1));
    if (e) r.exec(s, { op: 'dma_free', device: e.device, dmaAddr: e.dmaAddrs[0], size: e.sizes[0] });
  },
  msi_enable(r, s) {
    const a = args(r, s, ['doorbell', 'vectors', 'expect_iova'], 1);
    const device = a.word(0);
    const doorbell = a.num('doorbell');
    for (let v = 0n; v < a.num('vectors', 1n); v++) {
      const got = r.exec(s, { op: 'msi_enable', device, doorbell }) as { iova: bigint | null; errno: Errno | null };
      if (got.iova !== null) r.msiIovas.set(`${device}@${doorbell}`, got.iova);
      if (v === 0n) r.expect(s, a, got.errno ?? got.iova ?? 'untranslated', 'expect_iova');
    }
  },
  msi_disable(r, s) {
    const a = args(r, s, ['doorbell', 'vectors'], 1);
    const device = a.word(0);
    const doorbell = a.num('doorbell');
    for (let v = 0n; v < a.num('vectors', 1n); v++) r.exec(s, { op: 'msi_disable', device, doorbell, iova: r.msiIovas.get(`${device}@${doorbell}`) });
  },
  sva_bind(r, s) {
    const a = args(r, s, ['mm', 'expect'], 1);
    r.expect(s, a, errnoOr(r.exec(s, { op: 'sva_bind', device: a.word(0), mm: a.word('mm') }) as Errno | null));
  },
  sva_unbind(r, s) {
    const a = args(r, s, ['mm'], 1);
    r.exec(s, { op: 'sva_unbind', device: a.word(0), mm: a.word('mm') });
  },
  mm_exit(r, s) {
    r.exec(s, { op: 'mm_exit', mm: args(r, s, [], 1).word(0) });
  },
  depot_tick(r, s) {
    args(r, s, [], 0);
    r.exec(s, { op: 'depot_tick' });
  },
  cpu_dead(r, s) {
    const a = args(r, s, [], 1);
    const cpu = Number(a.num(0));
    if (cpu < 0 || cpu >= r.model.platform.cpus) fail(r, a.posOf(0), `cpu_dead ${cpu}: the platform has ${r.model.platform.cpus} CPUs`);
    r.exec(s, { op: 'cpu_dead', cpu });
  },
};

