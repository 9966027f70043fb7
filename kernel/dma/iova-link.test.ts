// The dma_iova path (dma-iommu.c 7.3.4) and the block layer on top of it (blk-mq-dma.c 7.3.4),
// as given / when / then on the kernel model.
import { describe, expect, it } from 'vitest';
import { type IommuEvent, isInputError } from '../../domain-events/index.js';
import { evolveBatch, initialState, stateHash } from '../../reducers/index.js';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3 } from '../machine/platform.js';
import { applySwitches, type Profile } from '../profile.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { linux73 } from '../profiles/linux-7.3.js';
import { type BlkMapping } from './blk-rq-map.js';
import { type DmaIovaState } from './iova-link.js';

const NVME = '0000:01:00.0';
/** three scattered 4 KiB segments (not physically contiguous, page-aligned joins) */
const SEGS = [0x40000000n, 0x40002000n, 0x40004000n].map((phys) => ({ phys, len: 0x1000n }));

function given(p: Profile): { m: KernelModel; all: IommuEvent[] } {
  const m = new KernelModel(p, { ...ARM_SMMU_V3, cpus: 2 });
  const all = [...m.run({ op: 'probe', device: NVME }).events];
  return { m, all };
}

const types = (ev: readonly IommuEvent[]) => ev.map((e) => e.type).filter((t) => t !== 'IotlbFlushed' && t !== 'PgtableTableAllocated');
const of = <T extends IommuEvent['type']>(ev: readonly IommuEvent[], t: T) => ev.filter((e): e is Extract<IommuEvent, { type: T }> => e.type === t);

describe('dma_iova through the kernel model', () => {
  it('7.3: a block request of three segments takes one 3-page range, linked page by page, and no DMA-API call', () => {
    const { m } = given(linux73);
    const r = m.run({ op: 'blk_rq_map', device: NVME, segs: SEGS, dir: 'TO_DEVICE' });
    expect(types(r.events)).toEqual(['IovaAllocated', 'DmaIovaAllocated', 'Mapped', 'DmaIovaLinked', 'Mapped', 'DmaIovaLinked', 'Mapped', 'DmaIovaLinked']);
    // alloc_iova_fast rounds 3 pages up to 4, size-aligned, below 4 GiB first: [0xffffc000, 0xffffffff]
    expect(of(r.events, 'IovaAllocated')[0]).toMatchObject({ size: 3, pfnLo: 0xffffc, pfnHi: 0xfffff });
    expect(of(r.events, 'Mapped').map((e) => [e.iova, e.paddr])).toEqual([
      [0xffffc000n, 0x40000000n],
      [0xffffd000n, 0x40002000n],
      [0xffffe000n, 0x40004000n],
    ]);
    expect((r.value as BlkMapping).dmaAddrs).toEqual([0xffffc000n]);
  });

  it('6.12 has no dma_iova API: the same request maps each segment with dma_map_page, one IOVA each', () => {
    const { m } = given(linux612);
    const r = m.run({ op: 'blk_rq_map', device: NVME, segs: SEGS, dir: 'TO_DEVICE' });
    expect(of(r.events, 'DmaApiCalled').map((e) => [e.call, e.dmaAddr])).toEqual([
      ['map_page', 0xfffff000n],
      ['map_page', 0xffffe000n],
      ['map_page', 0xffffd000n],
    ]);
    expect(of(r.events, 'DmaIovaAllocated')).toEqual([]);
  });

  it('7.3: segments that do not meet on a granule boundary go page by page (blk_can_dma_map_iova)', () => {
    const { m } = given(linux73);
    const r = m.run({ op: 'blk_rq_map', device: NVME, segs: [{ phys: 0x40000000n, len: 0x800n }, { phys: 0x40002000n, len: 0x1000n }], dir: 'TO_DEVICE' });
    expect(of(r.events, 'DmaIovaAllocated')).toEqual([]);
    expect(of(r.events, 'DmaApiCalled')).toHaveLength(2);
  });

  it('lazy mode: dma_iova_destroy frees the range at once (NULL gather), where 6.12 queues each IOVA', () => {
    const unmap = (p: Profile) => {
      const { m } = given(applySwitches(p, { lazy: true }));
      const mapping = m.run({ op: 'blk_rq_map', device: NVME, segs: SEGS, dir: 'TO_DEVICE' }).value as BlkMapping;
      return types(m.run({ op: 'blk_rq_unmap', mapping }).events);
    };
    expect(unmap(linux73)).toEqual(['Unmapped', 'DmaIovaUnlinked', 'IovaCached', 'DmaIovaFreed']);
    expect(unmap(linux612).filter((t) => t === 'FlushQueued')).toHaveLength(3);
  });

  it('an unaligned first buffer pads the range; a padded buffer at a non-zero offset is -EIO with a WARN', () => {
    const { m } = given(linux73);
    const st = m.run({ op: 'dma_iova_try_alloc', device: NVME, phys: 0x40000800n, size: 0x1000n }).value as DmaIovaState;
    // iova_align(0x1000 + 0x800) = 2 pages; state->addr keeps the offset
    expect(st.dmaAddr).toBe(0xffffe800n);
    const link = m.run({ op: 'dma_iova_link', state: st, phys: 0x40005800n, offset: 0x800n, size: 0x800n, dir: 'TO_DEVICE' });
    expect(link.value).toBe('EIO');
    expect(link.warn).toBe(1);
    expect(of(link.events, 'Mapped')).toEqual([]);
  });

  it('a dma_iova_* call under a profile without the API is refused by name', () => {
    const { m } = given(linux612);
    let err: unknown;
    try {
      m.run({ op: 'dma_iova_try_alloc', device: NVME, phys: 0x40000000n, size: 0x1000n });
    } catch (e) {
      err = e;
    }
    expect(isInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(/dma_iova_try_alloc: profile linux-6\.12 has no dma_iova API/);
  });

  it('the events replay to the model state, and the dmaIova slice follows them', () => {
    const { m, all } = given(linux73);
    const st = m.run({ op: 'dma_iova_try_alloc', device: NVME, phys: 0x40000000n, size: 0x3000n });
    all.push(...st.events);
    const state = st.value as DmaIovaState;
    for (const [i, s] of SEGS.entries()) all.push(...m.run({ op: 'dma_iova_link', state, phys: s.phys, offset: BigInt(i) * 0x1000n, size: s.len, dir: 'TO_DEVICE' }).events);
    all.push(...m.run({ op: 'dma_iova_unlink', state, offset: 0x1000n, size: 0x1000n }).events);
    expect(stateHash(evolveBatch(initialState(), all))).toBe(stateHash(m.state));
    const live = Object.values(m.state.dmaIova.live);
    expect(live.map((r) => [r.iova, r.length, r.links.map((l) => l.iova)])).toEqual([[0xffffc000n, 0x3000n, [0xffffc000n, 0xffffe000n]]]);
    m.run({ op: 'dma_iova_free', state });
    expect(m.state.dmaIova.live).toEqual({});
  });
});
