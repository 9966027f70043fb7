import { describe, expect, it } from 'vitest';
import { LiveIndex, type Placement } from './live-index.js';

const at = (conf: number, order: number): Placement => ({ conf, task: 'map:1', cpu: 0, ts: 0, line: order, order });

describe('the live mappings attribution has placed', () => {
  it('a map blocks its pages in its own domain only, with the confidence it was placed with', () => {
    const x = new LiveIndex();
    x.add(1, 100, 4, at(0.7, 1));
    expect(x.blocker(1, 103, 1)?.conf).toBe(0.7);
    expect(x.blocker(1, 99, 1)).toBeNull();
    expect(x.blocker(1, 104, 10)).toBeNull();
    expect(x.blocker(1, 90, 11)?.conf).toBe(0.7);
    expect(x.blocker(2, 100, 4)).toBeNull();
  });

  it('an unmap needs every page live: the holders of a range across adjacent mappings, none over a hole', () => {
    const x = new LiveIndex();
    x.add(1, 100, 2, at(0.9, 1));
    x.add(1, 102, 2, at(0.6, 2));
    expect(x.holders(1, 100, 4)?.map((p) => p.conf)).toEqual([0.9, 0.6]);
    expect(x.holders(1, 101, 2)?.map((p) => p.order)).toEqual([1, 2]);
    expect(x.holders(1, 100, 5)).toBeNull();
    x.remove(1, 101, 2);
    expect(x.holders(1, 100, 1)?.map((p) => p.order)).toEqual([1]);
    expect(x.holders(1, 103, 1)?.map((p) => p.order)).toEqual([2]);
    expect(x.holders(1, 101, 1)).toBeNull();
    expect(x.blocker(1, 101, 2)).toBeNull();
  });

  it('a domain with nothing live is empty', () => {
    const x = new LiveIndex();
    expect(x.isEmpty(3)).toBe(true);
    x.add(3, 5, 1, at(1, 1));
    expect(x.isEmpty(3)).toBe(false);
    x.remove(3, 5, 1);
    expect(x.isEmpty(3)).toBe(true);
  });
});
