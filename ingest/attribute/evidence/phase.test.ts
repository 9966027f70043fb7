// A kernel worker's evidence across a phase marker: kblockd's kworker serves whichever disk the
// workload drives, so a marker naming the next disk starts it afresh; a user task keeps its own.
import { describe, expect, it } from 'vitest';
import { type LineContext } from '../../records.js';
import { type DomainBook } from '../book.js';
import { DeviceHints } from '../hints.js';
import { WEIGHTS } from '../weights.js';
import { type MapRecord } from '../window.js';
import { workerPhaseChange } from './phase.js';
import { type Scene } from './scene.js';
import { TaskBeliefs } from './task.js';

const dev = (name: string, driver: string, vendor: string) => ({ name, driver, vendor, device: '', class: '' });
const groups = [
  { id: 1, type: 'DMA', regions: [], devices: [dev('0000:00:04.0', 'virtio-pci', '0x1af4')] },
  { id: 2, type: 'DMA', regions: [], devices: [dev('0000:00:05.0', 'nvme', '0x1b36')] },
];
const dmesg = `[    2.058873] virtio_blk virtio0: [vda] 16384 512-byte logical blocks (8.39 MB/8.00 MiB)
[    2.171584] nvme nvme0: pci function 0000:00:05.0`;
const DOMAIN = new Map([
  ['0000:00:04.0', 2],
  ['0000:00:05.0', 3],
]);

function scene(phase: string): Scene {
  const book = { dmaDomainOf: (d: string) => (DOMAIN.has(d) ? { id: DOMAIN.get(d)! } : undefined) } as unknown as DomainBook;
  return { tasks: new TaskBeliefs(WEIGHTS), hints: new DeviceHints({ dmesg, groups }), book, phase, phaseSeq: 7 } as unknown as Scene;
}

const ctx = (task: string, pid: number, irq: string): LineContext => ({ line: 1, ts: 4e9, cpu: 0, task, pid, irq });
const map = (at: LineContext): MapRecord => ({ kind: 'map', at, iova: 0xfffdf000n, paddr: 0x505a000n, size: 0x1000n }) as unknown as MapRecord;

/** the task, shown (by an anchoring kind) to drive the virtio disk's domain */
function shownVirtio(s: Scene, at: LineContext) {
  const t = s.tasks.get(at, 'map');
  s.tasks.add(t, 2, 8, true);
  return t;
}

describe('a phase marker and a kernel worker', () => {
  it('starts a kworker afresh at its first map in process context after a marker naming a disk', () => {
    // given kblockd's kworker shown to drive the virtio disk, and a marker naming the nvme disk
    const s = scene('RUN dd if=/dev/nvme0n1 of=/dev/null bs=512 count=256 iflag=direct');
    const at = ctx('kworker/0:1H', 38, '.....');
    const t = shownVirtio(s, at);
    // when it maps
    workerPhaseChange(s, t, map(at));
    // then what it did for the virtio disk no longer speaks for this phase
    expect(t.log.size).toBe(0);
    expect(t.anchored.size).toBe(0);
    // and the next map of the same phase keeps what it learns in it
    s.tasks.add(t, 3, 6, true);
    workerPhaseChange(s, t, map(at));
    expect(t.anchored.get(3)).toBe(6);
  });

  it('keeps a user task, an interrupt context, and a worker under a marker naming no disk', () => {
    const s = scene('RUN dd if=/dev/nvme0n1 of=/dev/null');
    const user = ctx('dd', 145, 'd..1.');
    const irq = ctx('kworker/0:1H', 38, 'd.h1.');
    const tu = shownVirtio(s, user);
    const ti = shownVirtio(s, irq);
    workerPhaseChange(s, tu, map(user));
    workerPhaseChange(s, ti, map(irq));
    expect(tu.anchored.get(2)).toBe(8);
    expect(ti.anchored.get(2)).toBe(8);
    const quiet = scene('RUN sync');
    const at = ctx('kworker/0:1H', 38, '.....');
    const tw = shownVirtio(quiet, at);
    workerPhaseChange(quiet, tw, map(at));
    expect(tw.anchored.get(2)).toBe(8);
  });
});
