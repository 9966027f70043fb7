import { describe, expect, it } from 'vitest';
import { type Located } from '../records.js';
import { KernelEvidence } from './kernel-evidence.js';

let line = 0;
const at = () => ({ line: ++line, ts: line * 1000, cpu: 0, task: 'insmod', pid: 90, irq: null });
const dma = (device: string, call: 'map_page' | 'alloc' = 'map_page'): Located => ({ kind: 'dma', call, device, dir: 'TO_DEVICE', dmaAddr: 0xfffff000n, phys: 0x40000000n, size: 4096n, attrs: '', gfp: null, sg: null, at: at() });

describe('the kernel from the events it has (reference §7.3, §4.8)', () => {
  it('dma:* events with 6.12 names, 7.x names (dma_map_phys), detach events', () => {
    const k = new KernelEvidence();
    k.push(dma('0000:00:04.0', 'alloc'));
    expect(k.settled).toBe(false); // dma_alloc has one name in 6.12 and 7.x: a page call tells
    k.push(dma('0000:00:04.0'));
    expect(k.settled).toBe(true);
    expect(k.clue().dma).toBe('6.12');
    const k7 = new KernelEvidence();
    k7.eventName('dma_map_phys');
    k7.push(dma('0000:00:04.0'));
    expect(k7.clue()).toMatchObject({ dma: '7.x' });
    const k61 = new KernelEvidence();
    k61.push({ kind: 'detach', device: '0000:00:04.0', at: at() });
    expect(k61.clue().detachLine).not.toBeNull();
  });
});
