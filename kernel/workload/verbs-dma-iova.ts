// Workload statements for the dma_iova API (dma-iommu.c 7.3.4) and the block layer that uses it:
//   blk_map DEV nsegs= seg= [dir=] as=POOL · blk_unmap DEV POOL [order=]   a block request, mapped
//       as blk_rq_dma_map_iter_start does (one dma_iova range when the kernel has the API, else
//       one dma_map per segment) and unmapped as blk_rq_dma_unmap does
//   dma_iova_alloc DEV size= [phys=] state=NAME [expect=ok|fail]         dma_iova_try_alloc
//   dma_iova_link NAME offset= size= [phys=] [dir=] [expect=]            dma_iova_link
//   dma_iova_unlink NAME offset= size= [expect=BYTES]                    dma_iova_unlink
//   dma_iova_free NAME · dma_iova_destroy NAME mapped=BYTES              dma_iova_free / _destroy
import { DMA_DIRS, type DmaDir, type Errno } from '../../domain-events/index.js';
import { type BlkMapping } from '../dma/blk-rq-map.js';
import { type DmaIovaState } from '../dma/iova-link.js';
import { Args, fail } from './args.js';
import { type Statement } from './ast.js';
import { type WorkloadRun } from './run.js';

type Verb = (r: WorkloadRun, s: Statement) => void;

const ORDERS = ['fifo', 'lifo', 'random'] as const;
const dirOf = (a: Args) => a.word('dir', 'BIDIRECTIONAL', DMA_DIRS as readonly string[]) as DmaDir;

function stateNamed(r: WorkloadRun, a: Args, at: number | string): DmaIovaState {
  const name = a.word(at);
  return r.iovaStates.get(name) ?? fail(r, a.posOf(at), `unknown dma_iova state ${JSON.stringify(name)} (dma_iova_alloc … state=${name} makes it)`);
}

export const DMA_IOVA_VERBS: Readonly<Record<string, Verb>> = {
  blk_map(r, s) {
    const a = new Args(r, s, ['nsegs', 'seg', 'dir', 'as'], 1);
    const device = a.word(0);
    const n = Number(a.num('nsegs', 1n));
    if (n < 1) fail(r, a.posOf('nsegs'), 'blk_map: a request has at least one segment');
    // a page between segments: physically contiguous bvecs would be merged into one (blk_map_iter_next)
    const segs = Array.from({ length: n }, () => {
      const len = a.num('seg');
      return { phys: r.phys(len + 4096n), len };
    });
    const dir = dirOf(a);
    const m = r.exec(s, { op: 'blk_rq_map', device, segs, dir }) as BlkMapping | null;
    if (!m || !a.has('as')) return;
    const pool = r.pool(a, 'as');
    pool.push({ device, dmaAddrs: m.dmaAddrs, sizes: m.state ? [m.mapped] : segs.map((x) => x.len), phys: segs.map((x) => x.phys), dir, blk: m });
  },
  blk_unmap(r, s) {
    const a = new Args(r, s, ['order'], 2);
    const pool = r.pool(a, 1);
    if (!pool.length) return;
    const order = a.word('order', 'fifo', ORDERS);
    const i = order === 'fifo' ? 0 : order === 'lifo' ? pool.length - 1 : Number(r.prng.between(0n, BigInt(pool.length - 1)));
    const e = pool.splice(i, 1)[0];
    if (!e.blk) fail(r, a.posOf(1), `blk_unmap: pool ${JSON.stringify(a.word(1))} holds mappings blk_map did not make`);
    r.exec(s, { op: 'blk_rq_unmap', mapping: e.blk });
  },
  dma_iova_alloc(r, s) {
    const a = new Args(r, s, ['size', 'phys', 'state', 'expect'], 1);
    const size = a.num('size');
    const phys = a.has('phys') ? a.num('phys') : r.phys(size);
    const st = r.exec(s, { op: 'dma_iova_try_alloc', device: a.word(0), phys, size }) as DmaIovaState | null;
    r.expect(s, a, st ? 'ok' : 'fail');
    if (st) r.iovaStates.set(a.word('state'), st);
  },
  dma_iova_link(r, s) {
    const a = new Args(r, s, ['offset', 'size', 'phys', 'dir', 'expect'], 1);
    const size = a.num('size');
    const errno = r.exec(s, { op: 'dma_iova_link', state: stateNamed(r, a, 0), phys: a.has('phys') ? a.num('phys') : r.phys(size), offset: a.num('offset', 0n), size, dir: dirOf(a) }) as Errno | null;
    r.expect(s, a, errno ?? 'ok');
  },
  dma_iova_unlink(r, s) {
    const a = new Args(r, s, ['offset', 'size', 'expect'], 1);
    r.expect(s, a, r.exec(s, { op: 'dma_iova_unlink', state: stateNamed(r, a, 0), offset: a.num('offset', 0n), size: a.num('size') }) as bigint);
  },
  dma_iova_free(r, s) {
    r.exec(s, { op: 'dma_iova_free', state: stateNamed(r, new Args(r, s, [], 1), 0) });
  },
  dma_iova_destroy(r, s) {
    const a = new Args(r, s, ['mapped'], 1);
    r.exec(s, { op: 'dma_iova_destroy', state: stateNamed(r, a, 0), mappedLen: a.num('mapped', 0n) });
  },
};
