// Quiet devices: a domain whose devices took under 1 % of the busiest device's interrupts
// (/proc/interrupts after the recording) weighs against a map; a doorbell map, a device the file
// does not list, or no file at all says nothing.
import { describe, expect, it } from 'vitest';
import { parseInterrupts } from '../../capture.js';
import { type BookDomain } from '../book.js';
import { Ballot } from '../combine.js';
import { WEIGHTS } from '../weights.js';
import { QuietDevices } from './quiet-device.js';
import { type MapQuery } from './scene.js';

const dom = (id: number): BookDomain => ({ id, type: 'DMA', group: id, doorbell: false, lastActivity: -1, lastConf: 0, fromStart: true });
const BUSY = 1;
const QUIET = 2;
const DEVICES = new Map([[BUSY, ['0000:00:05.0']], [QUIET, ['0000:00:06.0']]]);

const PROC_INTERRUPTS = [
  '           CPU0       CPU1',
  '  0:         40          0   IO-APIC   2-edge      timer',
  ' 26:      51854        120   IR-PCI-MSIX-0000:00:05.0    0-edge      nvme0q0',
  ' 27:        900          6   IR-PCI-MSIX-0000:00:05.0    1-edge      nvme0q1',
  ' 30:          5          0   IR-PCI-MSIX-0000:00:06.0    0-edge      virtio1-config',
  'NMI:          0          0   Non-maskable interrupts',
].join('\n');

function query(interrupts: ReadonlyMap<string, number> | undefined, doorbell = false): MapQuery {
  const s = {
    w: WEIGHTS,
    capture: { interrupts },
    book: { domains: new Map([[BUSY, dom(BUSY)], [QUIET, dom(QUIET)]]), devicesOf: (d: BookDomain) => DEVICES.get(d.id) ?? [] },
  };
  return { s, doorbell } as unknown as MapQuery;
}

function weigh(q: MapQuery): Ballot {
  const b = new Ballot([dom(BUSY), dom(QUIET)]);
  new QuietDevices().weigh(q, b);
  return b;
}

describe('quiet devices from /proc/interrupts', () => {
  it('sums every vector and CPU of a PCI device and skips rows naming none', () => {
    const irqs = parseInterrupts(PROC_INTERRUPTS);
    expect([...irqs]).toEqual([['0000:00:05.0', 51854 + 120 + 900 + 6], ['0000:00:06.0', 5]]);
  });

  it('given a device with 5 interrupts beside one with 52,880, when a map is weighed, then the quiet domain loses', () => {
    const b = weigh(query(parseInterrupts(PROC_INTERRUPTS)));
    expect(b.has('quiet-device')).toBe(true);
    const p = b.posterior();
    expect(p[0]).toBeGreaterThan(0.9);
  });

  it('says nothing for a doorbell map, without the file, or when a domain has a device the file does not list', () => {
    expect(weigh(query(parseInterrupts(PROC_INTERRUPTS), true)).has('quiet-device')).toBe(false);
    expect(weigh(query(undefined)).has('quiet-device')).toBe(false);
    expect(weigh(query(new Map([['0000:00:05.0', 1000]]))).has('quiet-device')).toBe(false);
  });
});
