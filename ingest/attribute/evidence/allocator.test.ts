// The allocator's answer at boot: a domain the trace shows from its creation has an allocator
// known to be empty, so before any of its answers has been scored it is taken to be right
// (allocatorFromStart); a domain found mid-run is not, and neither is a fresh domain's answer
// for an IOVA another domain has handed back (the top IOVAs every busy domain recycles).
import { describe, expect, it } from 'vitest';
import { type LineContext } from '../../records.js';
import { type BookDomain } from '../book.js';
import { Ballot } from '../combine.js';
import { WEIGHTS } from '../weights.js';
import { type MapRecord } from '../window.js';
import { type AllocatorOracle, allocatorAgrees } from './allocator.js';
import { IovaReuse } from './iova-reuse.js';
import { type MapQuery, type Scene } from './scene.js';
import { TaskBeliefs } from './task.js';

const dom = (id: number, fromStart = true): BookDomain => ({ id, type: 'DMA', group: id, doorbell: false, lastActivity: -1, lastConf: 0, fromStart });
const VIRTIO = 2;
const NVME = 3;

/** virtio's domain holds its ring at the top (ffffe000, 2 pages), the nvme domain is empty; neither has been scored yet */
const oracle: AllocatorOracle = {
  answer: (domain) => (domain === VIRTIO ? 0xffffd000n : 0xfffff000n),
  agreement: (_domain, prior) => prior,
};

const ONE_PAGE = { run: 1, single: 1, gapNs: null, unmapPages: null };

function query(iova: bigint): MapQuery {
  const s = { tasks: new TaskBeliefs(WEIGHTS), w: WEIGHTS } as unknown as Scene;
  const at: LineContext = { line: 30, ts: 2.045e9, cpu: 0, task: 'kworker/0:1H', pid: 38, irq: 'd..1.' };
  const r = { kind: 'map', at, iova, paddr: 0x4ac2000n, size: 0x1000n } as unknown as MapRecord;
  return { s, i: 0, r, task: s.tasks.get(at, 'map'), doorbell: false };
}

describe("the allocator's answer of a domain shown from its creation", () => {
  it('places the first read after a ring allocation in the domain that holds the ring (its allocator gives the next IOVA below)', () => {
    const b = new Ballot([dom(VIRTIO), dom(NVME)]);
    allocatorAgrees(query(0xffffd000n), b, oracle, new IovaReuse(), ONE_PAGE);
    const d = b.decide('recent');
    expect(d.domain.id).toBe(VIRTIO);
    expect(d.how).toBe('allocator');
    const a = WEIGHTS.allocatorFromStart;
    expect(b.posterior()[0]).toBeCloseTo((1 - a + a * WEIGHTS.allocator) / (2 - a + a * WEIGHTS.allocator));
    // attribution's own stream, no anchor: it may be right, it cannot be sure
    expect(d.conf).toBeLessThan(0.9);
  });

  it('gives nothing for a domain found mid-run (its mirror may miss allocations from before the trace)', () => {
    const b = new Ballot([dom(VIRTIO, false), dom(NVME, false)]);
    allocatorAgrees(query(0xffffd000n), b, oracle, new IovaReuse(), ONE_PAGE);
    expect(b.has('allocator')).toBe(false);
  });

  it("gives nothing for a fresh domain's top IOVA when another domain has handed that IOVA back", () => {
    const reuse = new IovaReuse();
    reuse.unmapped(0xfffff000n, VIRTIO, 1e9, 0.9, 'map:91');
    const b = new Ballot([dom(VIRTIO), dom(NVME)]);
    allocatorAgrees(query(0xfffff000n), b, oracle, reuse, ONE_PAGE);
    expect(b.has('allocator')).toBe(false);
  });
});
