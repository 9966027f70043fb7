// Driver objects: a page live at two IOVAs at once in one domain (virtio-blk's request header and
// status byte in one virtblk_req) speaks for that domain when another task maps it, as surely as
// the two maps that showed it were placed; a page mapped again only after its unmap (a buffer) says
// nothing.
import { describe, expect, it } from 'vitest';
import { type LineContext } from '../../records.js';
import { type BookDomain } from '../book.js';
import { Ballot } from '../combine.js';
import { LiveIndex } from '../live-index.js';
import { WEIGHTS } from '../weights.js';
import { type MapRecord } from '../window.js';
import { DriverObjects } from './driver-object.js';
import { type MapQuery, type Scene } from './scene.js';
import { TaskBeliefs } from './task.js';

const dom = (id: number): BookDomain => ({ id, type: 'DMA', group: id, doorbell: false, lastActivity: -1, lastConf: 0, fromStart: true });
const VIRTIO = 2;
const AHCI = 6;

function scene(): Scene {
  return { tasks: new TaskBeliefs(WEIGHTS), live: new LiveIndex(), w: WEIGHTS } as unknown as Scene;
}

let line = 0;
function query(s: Scene, task: string, pid: number, iova: bigint, paddr: bigint): MapQuery {
  const at: LineContext = { line: ++line, ts: line * 1000, cpu: 0, task, pid, irq: 'd..1.' };
  const r = { kind: 'map', at, iova, paddr, size: 0x1000n } as unknown as MapRecord;
  return { s, i: 0, r, task: s.tasks.get(at, 'map'), doorbell: false };
}

/** the task maps the page, and the line is placed in `domain` with confidence `conf` */
function placed(s: Scene, objects: DriverObjects, q: MapQuery, domain: number, conf: number): void {
  s.live.add(domain, Number(q.r.iova >> 12n), 1, { conf, task: q.task.key, cpu: 0, ts: q.r.at.ts, line: q.r.at.line, order: q.r.at.line });
  objects.placed(q, domain, conf, 0.99);
}

/** insmod's probe maps a virtio request's header and status byte (one page) at two IOVAs, placed as sure as given */
function probeMapsObjectPage(s: Scene, objects: DriverObjects, first: number, second: number): void {
  placed(s, objects, query(s, 'insmod', 137, 0xffffd000n, 0x4730000n), VIRTIO, first);
  placed(s, objects, query(s, 'insmod', 137, 0xffffb000n, 0x4730000n), VIRTIO, second);
}

function weigh(s: Scene, objects: DriverObjects, q: MapQuery): Ballot {
  const b = new Ballot([dom(VIRTIO), dom(AHCI)]);
  objects.weigh(q, b);
  return b;
}

describe('driver objects: a page mapped at two IOVAs at once', () => {
  it("speaks for its domain when a new task maps it, as surely as the two maps were placed, and does not anchor an unsure one", () => {
    // given the probe's partition read mapping a request's header and status byte, one page, at two IOVAs
    const s = scene();
    const objects = new DriverObjects();
    probeMapsObjectPage(s, objects, 0.85, 0.88);
    // when a new task's GET_ID request maps that page
    const b = weigh(s, objects, query(s, 'cat', 183, 0xffffb000n, 0x4730000n));
    // then the virtio disk's domain is favoured by 1 - c + c * w, c the less sure of the two being 0.85
    const d = b.decide('recent');
    expect(d.domain.id).toBe(VIRTIO);
    expect(d.how).toBe('driver-object');
    expect(b.persisted).toEqual([{ kind: 'driver-object', domain: VIRTIO, lr: Math.log(0.15 + 0.85 * WEIGHTS.driverObject), anchor: false }]);
    expect(d.conf).toBeLessThan(0.9);
  });

  it('is not taught by guesses as likely wrong as right (it would carry them to every task that maps the page)', () => {
    const s = scene();
    const objects = new DriverObjects();
    probeMapsObjectPage(s, objects, 0.5, 0.55);
    expect(weigh(s, objects, query(s, 'cat', 183, 0xffffb000n, 0x4730000n)).persisted).toEqual([]);
  });

  it('anchors when both maps were placed surely', () => {
    const s = scene();
    const objects = new DriverObjects();
    probeMapsObjectPage(s, objects, 0.995, 0.999);
    const b = weigh(s, objects, query(s, 'cat', 183, 0xffffb000n, 0x4730000n));
    expect(b.persisted[0]).toMatchObject({ kind: 'driver-object', domain: VIRTIO, anchor: true });
  });

  it('says nothing of a page mapped again only after its unmap (a buffer reused), nor to the task that showed it', () => {
    const s = scene();
    const objects = new DriverObjects();
    const first = query(s, 'dd', 145, 0xffffd000n, 0x760cd000n);
    placed(s, objects, first, AHCI, 0.999);
    s.live.remove(AHCI, 0xffffd, 1);
    placed(s, objects, query(s, 'dd', 145, 0xffffc000n, 0x760cd000n), AHCI, 0.999);
    expect(weigh(s, objects, query(s, 'dd', 146, 0xffffb000n, 0x760cd000n)).persisted).toEqual([]);
    // and the task that showed a page carries its own placements, not this evidence again
    probeMapsObjectPage(s, objects, 0.999, 0.999);
    expect(weigh(s, objects, query(s, 'insmod', 137, 0xffffa000n, 0x4730000n)).persisted).toEqual([]);
  });

  it('counts once per task and domain: the same page again in that task adds nothing', () => {
    const s = scene();
    const objects = new DriverObjects();
    probeMapsObjectPage(s, objects, 0.9, 0.9);
    expect(weigh(s, objects, query(s, 'cat', 183, 0xffffb000n, 0x4730000n)).persisted).toHaveLength(1);
    expect(weigh(s, objects, query(s, 'cat', 183, 0xffffd000n, 0x4730000n)).persisted).toEqual([]);
  });
});
