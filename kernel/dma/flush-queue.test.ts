// The lazy flush queue, rule by rule (dma-iommu.c 6.1 / 6.12 queue_iova, fq_ring_free, fq_full,
// fq_flush_iotlb, fq_flush_timeout; iova.c free_iova_fast into the freeing CPU's rcache): given
// the DMA calls with their CPUs and times, exactly which IOVAs come back when.
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3 } from '../machine/platform.js';
import { applySwitches, type Profile } from '../profile.js';
import { linux61 } from '../profiles/linux-6.1.js';
import { linux612 } from '../profiles/linux-6.12.js';

const A = '0000:00:04.0';
const B = '0000:00:05.0';
const MS = 1_000_000;
const PAGE = 0x1000n;
/** the n-th fresh 4 KiB IOVA of a new DMA domain: 32-bit first, top-down from 0xfffff000 */
const nth = (n: number) => 0xfffff000n - BigInt(n) * PAGE;

class Lazy {
  readonly m: KernelModel;
  private phys = 0x40000000n;
  constructor(profile: Profile, cpus: number, devices = [A]) {
    this.m = new KernelModel(applySwitches(profile, { lazy: true }), { ...ARM_SMMU_V3, cpus });
    for (const d of devices) this.m.run({ op: 'probe', device: d }, { ts: 0, cpu: 0 });
  }
  map(cpu: number, ts: number, dev = A): bigint {
    this.phys += PAGE;
    return this.m.run({ op: 'dma_map_page', device: dev, phys: this.phys, size: PAGE, dir: 'FROM_DEVICE' }, { ts, cpu }).value as bigint;
  }
  unmap(cpu: number, ts: number, iova: bigint, dev = A): readonly IommuEvent[] {
    return this.m.run({ op: 'dma_unmap_page', device: dev, dmaAddr: iova, size: PAGE, dir: 'FROM_DEVICE' }, { ts, cpu }).events;
  }
  fq(domain = 1) {
    return this.m.state.flushQueues.domains.get(domain)!;
  }
}

const ofType = <T extends IommuEvent['type']>(ev: readonly IommuEvent[], t: T) => ev.filter((e): e is Extract<IommuEvent, { type: T }> => e.type === t);

describe.each([
  ['linux-6.1', linux61],
  ['linux-6.12', linux612],
] as const)('flush queue (%s, per-CPU rings of IOVA_FQ_SIZE 256, 10 ms timer)', (_, profile) => {
  it('a ring holds 255 entries: the 256th queueing flushes (start/finish counters 1) and frees the 255 oldest into the CPU rcache', () => {
    const l = new Lazy(profile, 1);
    const b = Array.from({ length: 300 }, (_, i) => l.map(0, 1000 + i));
    expect(b[299]).toBe(nth(299));
    const perUnmap = b.map((iova, i) => l.unmap(0, 2000 + i, iova));
    // fq_full() is first true at the 256th queue_iova: one flush_iotlb_all, 255 entries freed
    expect(perUnmap.findIndex((ev) => ofType(ev, 'IotlbFlushed').length > 0)).toBe(255);
    expect(ofType(perUnmap[255], 'FlushQueueDrained')).toMatchObject([{ entries: 255, reason: 'full', finishedCnt: 1 }]);
    expect(l.fq()).toMatchObject({ startCnt: 1, finishCnt: 1, queued: 45 });
    // entries queued after that flush carry counter 1: they wait for the next one
    expect(l.fq().queues[0].map((e) => e.counter)).toEqual(Array(45).fill(1));
    // iova.c free_iova_fast of b0..b254: loaded fills with b0..b126, the swap puts it in prev,
    // loaded fills with b127..b253, and b254 pushes that full loaded to the depot
    expect([l.map(0, 3 * MS), l.map(0, 3 * MS + 1), l.map(0, 3 * MS + 2)]).toEqual([b[254], b[126], b[125]]);
    // the timer armed by b0's unmap (2 µs) fires at 10 ms: b255..b299 come back, b299 on top
    expect(l.map(0, 20 * MS)).toBe(b[299]);
    expect(l.fq()).toMatchObject({ startCnt: 2, finishCnt: 2, queued: 0, timerDeadline: null });
  });

  it('the timer, armed by the first CPU to queue, frees every CPU ring into that CPU rcache', () => {
    const l = new Lazy(profile, 2);
    const x = l.map(0, 1000);
    const y = l.map(1, 2000);
    l.unmap(0, 1 * MS, x);
    l.unmap(1, 2 * MS, y);
    expect(l.fq().timerDeadline).toBe(11 * MS);
    // before the timer: nothing is reusable
    expect(l.map(1, 5 * MS)).toBe(nth(2));
    // after it: CPU 1 finds nothing in its own magazines (fresh IOVA), CPU 0 gets y then x
    expect(l.map(1, 20 * MS)).toBe(nth(3));
    expect([l.map(0, 20 * MS + 1), l.map(0, 20 * MS + 2)]).toEqual([y, x]);
  });

  it('entries a flush on another CPU covered are freed at this CPU next queue_iova (fq_ring_free first)', () => {
    const l = new Lazy(profile, 2);
    const a = l.map(0, 1000);
    const c = l.map(0, 1001);
    const fill = Array.from({ length: 256 }, (_, i) => l.map(1, 2000 + i));
    l.unmap(0, 3000, a);
    // CPU 1's 256th queueing flushes the IOTLB: a (counter 0 < finished 1) is now flushed,
    // but stays in CPU 0's ring
    fill.forEach((iova, i) => l.unmap(1, 4000 + i, iova));
    expect(l.fq()).toMatchObject({ finishCnt: 1 });
    expect(l.fq().queues[0].map((e) => e.pfn)).toEqual([Number(a / PAGE)]);
    // CPU 0 queues c: its ring first frees a, on CPU 0, so CPU 0's next map takes a
    const ev = l.unmap(0, 5000, c);
    expect(ofType(ev, 'FlushQueueDrained')).toMatchObject([{ entries: 1, reason: 'queue' }]);
    expect(l.map(0, 6000)).toBe(a);
  });

  it('two devices in two groups: two cookies, each with its own rings, counters and timer', () => {
    const l = new Lazy(profile, 1, [A, B]);
    const a = l.map(0, 1000, A);
    const b = l.map(0, 1001, B);
    expect([a, b]).toEqual([nth(0), nth(0)]);
    l.unmap(0, 1 * MS, a, A);
    l.unmap(0, 8 * MS, b, B);
    // A's timer (11 ms) has fired, B's (18 ms) has not
    expect(l.map(0, 12 * MS, A)).toBe(a);
    expect(l.map(0, 12 * MS + 1, B)).toBe(nth(1));
    expect(l.map(0, 19 * MS, B)).toBe(b);
  });

  it('a timer armed again by a later unmap fires again: IOVAs come back one period at a time', () => {
    const l = new Lazy(profile, 1);
    const b = Array.from({ length: 4 }, (_, i) => l.map(0, 1000 + i));
    l.unmap(0, 1 * MS, b[0]);
    l.unmap(0, 15 * MS, b[1]);
    // b0 came back at 11 ms, b1 waits for the timer b1 armed (25 ms)
    expect(l.map(0, 20 * MS)).toBe(b[0]);
    expect(l.map(0, 20 * MS + 1)).toBe(nth(4));
    expect(l.map(0, 26 * MS)).toBe(b[1]);
  });
});
