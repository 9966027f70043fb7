// Request shapes: what a task's map lines look like says which kind of driver builds them. A page
// mapped at two IOVAs at once (virtio-blk's header and status byte) weighs the task toward the
// domains whose driver is a virtio one; a list mapped as one range in several lines, or a request
// completed without such a page, weighs it away from them; a task with no requests yet (a probe's
// rings), or a groups file naming no driver, says nothing; its per-task memory stays bounded.
import { describe, expect, it } from 'vitest';
import { type LineContext } from '../../records.js';
import { type BookDomain } from '../book.js';
import { Ballot } from '../combine.js';
import { LiveIndex, type Placement } from '../live-index.js';
import { type MapRecord } from '../window.js';
import { WEIGHTS } from '../weights.js';
import { RequestShapes } from './request-shape.js';
import { type MapQuery, type Scene } from './scene.js';
import { TaskBeliefs } from './task.js';

const VIRTIO = 1;
const NVME = 2;
const dom = (id: number): BookDomain => ({ id, type: 'DMA', group: id, doorbell: false, lastActivity: -1, lastConf: 0, fromStart: true });
const DEVICES = new Map([[VIRTIO, ['0000:00:04.0']], [NVME, ['0000:00:05.0']]]);
/** the groups file: each device with the driver bound to it ('' where it names none) */
const groups = (virtio: string, nvme: string) => [
  { id: 1, type: 'DMA', regions: [], devices: [{ name: '0000:00:04.0', driver: virtio }] },
  { id: 2, type: 'DMA', regions: [], devices: [{ name: '0000:00:05.0', driver: nvme }] },
];

class World {
  readonly shapes = new RequestShapes();
  readonly s: Scene;
  private line = 0;

  constructor(drivers: [string, string] = ['virtio-pci', 'nvme']) {
    const domains = new Map([[VIRTIO, dom(VIRTIO)], [NVME, dom(NVME)]]);
    const book = { domains, candidates: () => [...domains.values()], devicesOf: (d: BookDomain) => DEVICES.get(d.id) ?? [] };
    this.s = { book, live: new LiveIndex(), tasks: new TaskBeliefs(WEIGHTS), capture: { groups: groups(...drivers) }, w: WEIGHTS } as unknown as Scene;
  }

  private at(pid: number, task = 'dd'): LineContext {
    const line = ++this.line;
    return { line, ts: line * 1000, cpu: 0, task, pid, irq: '.....' };
  }

  private query(pid: number, iovaPfn: number, physPfn: number, task?: string): MapQuery {
    const at = this.at(pid, task);
    const r = { kind: 'map', iova: BigInt(iovaPfn) << 12n, paddr: BigInt(physPfn) << 12n, size: 4096n, at } as MapRecord;
    return { s: this.s, i: 0, r, task: this.s.tasks.get(at, 'map'), doorbell: false };
  }

  /** the task's map line of one page, placed in `domain` and live there; its placement */
  map(pid: number, domain: number, iovaPfn: number, physPfn: number, task?: string): Placement {
    const q = this.query(pid, iovaPfn, physPfn, task);
    const p: Placement = { conf: 0.95, task: q.task.key, cpu: 0, ts: q.r.at.ts, line: q.r.at.line, order: q.r.at.line };
    this.shapes.placed(q, domain);
    this.s.live.add(domain, iovaPfn, 1, p);
    return p;
  }

  /** the task's map line starting a list mapped as one range in several lines */
  list(pid: number): void {
    this.shapes.listed(this.query(pid, 0x90000, 0x40000));
  }

  unmap(domain: number, iovaPfn: number, p: Placement): void {
    this.s.live.remove(domain, iovaPfn, 1);
    this.shapes.completed(this.s, p, ++this.line);
  }

  /** where the task's accumulated evidence alone would place its next line */
  posterior(pid: number): { virtio: number; nvme: number; said: boolean } {
    const t = this.s.tasks.byKey(`map:${pid}`)!;
    const b = new Ballot([dom(VIRTIO), dom(NVME)]);
    this.s.tasks.weigh(t, b);
    const p = b.posterior();
    return { virtio: p[0], nvme: p[1], said: t.log.size > 0 };
  }
}

describe('request shapes', () => {
  it('given a task that maps one page at two IOVAs at once (virtio-blk\'s header and status), when it is placed, then the task weighs toward the virtio domain', () => {
    const w = new World();
    w.map(100, VIRTIO, 0xfff00, 0x41000);
    w.map(100, VIRTIO, 0xffe00, 0x42000);
    // the request's status byte: the header's page again, while its first mapping is live
    w.map(100, VIRTIO, 0xffd00, 0x41000);
    expect(w.posterior(100).virtio).toBeGreaterThan(0.9);
  });

  it('given the same page mapped again after its first mapping was unmapped, then it is no virtio-blk request and the task is not pushed toward virtio', () => {
    const w = new World();
    const p = w.map(100, NVME, 0xfff00, 0x41000);
    w.unmap(NVME, 0xfff00, p);
    w.map(100, NVME, 0xffe00, 0x41000);
    expect(w.posterior(100).said).toBe(false);
  });

  it('given a task past its first completion, when it maps a list as one range in several lines (dma_map_sg, freed by one unmap), then it weighs toward the sg driver\'s domain', () => {
    const w = new World();
    const p = w.map(200, NVME, 0xfff00, 0x41000);
    w.unmap(NVME, 0xfff00, p);
    w.list(200);
    expect(w.posterior(200).nvme).toBeGreaterThan(0.9);
  });

  it('given a task past its first completion, when a later mapping of it completes without a page at two IOVAs, then it weighs away from virtio', () => {
    const w = new World();
    const first = w.map(300, NVME, 0xfff00, 0x41000);
    w.unmap(NVME, 0xfff00, first);
    const later = w.map(300, NVME, 0xffe00, 0x42000);
    w.unmap(NVME, 0xffe00, later);
    expect(w.posterior(300).nvme).toBeGreaterThan(0.9);
  });

  it('given a task with no request yet (its lists come before its first completion: a probe\'s rings), or a groups file naming no driver, then it says nothing', () => {
    const probing = new World();
    probing.map(400, NVME, 0xfff00, 0x41000);
    probing.list(400);
    expect(probing.posterior(400).said).toBe(false);
    // a completion of a mapping made before the task's first completion is no request either
    const w = new World();
    const p = w.map(401, NVME, 0xfff00, 0x41000);
    w.unmap(NVME, 0xfff00, p);
    expect(w.posterior(401).said).toBe(false);
    const unnamed = new World(['', '']);
    unnamed.map(402, VIRTIO, 0xfff00, 0x41000);
    unnamed.map(402, VIRTIO, 0xffe00, 0x41000);
    const q = unnamed.map(402, VIRTIO, 0xffd00, 0x42000);
    unnamed.unmap(VIRTIO, 0xffd00, q);
    unnamed.list(402);
    expect(unnamed.posterior(402).said).toBe(false);
  });

  it('keeps its tables bounded: a task remembers its last 512 pages, and the tables are dropped past 4,096 tasks', () => {
    // a header page 512 pages back is forgotten: mapped again while live, it no longer tells
    const far = new World();
    far.map(500, VIRTIO, 0x10000, 0x41000);
    for (let i = 1; i <= 512; i++) far.map(500, VIRTIO, 0x10000 + i, 0x50000 + i);
    far.map(500, VIRTIO, 0x20000, 0x41000);
    expect(far.posterior(500).said).toBe(false);
    // 510 pages back it is still remembered
    const near = new World();
    near.map(501, VIRTIO, 0x10000, 0x41000);
    for (let i = 1; i <= 510; i++) near.map(501, VIRTIO, 0x10000 + i, 0x50000 + i);
    near.map(501, VIRTIO, 0x20000, 0x41000);
    expect(near.posterior(501).virtio).toBeGreaterThan(0.9);
    // a task's first completion is forgotten once 4,096 other tasks were seen: its list says nothing
    const many = new World();
    const p = many.map(600, NVME, 0xfff00, 0x41000);
    many.unmap(NVME, 0xfff00, p);
    for (let pid = 1000; pid < 1000 + 4096; pid++) many.map(pid, NVME, 0x30000 + pid, 0x60000 + pid);
    many.list(600);
    expect(many.posterior(600).said).toBe(false);
  });
});
