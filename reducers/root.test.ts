import { describe, expect, it } from 'vitest';
import { type IommuEvent, MarkerWritten, packValue, unpackValue } from '../domain-events/index.js';
import { domainAllocated, journalOf, mapped, unmapped } from '../domain-events/test-events.js';
import { evolve, evolveBatch, initialState, restoreState, snapshotState, stateHash, type State } from './root.js';
import { translate } from './runs.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A journal of maps and unmaps over two domains with no overlaps, as a DMA workload makes. */
function workload(n: number, seed = 1): IommuEvent[] {
  const r = rng(seed);
  const live: [number, bigint, bigint][] = [];
  const ev: IommuEvent[] = [domainAllocated(1), domainAllocated(2, 0x1000n)];
  let next = [0xfffff000n, 0xfffff000n];
  for (let i = 0; i < n; i++) {
    if (live.length && r() < 0.45) {
      const [d, iova, size] = live.splice(Math.floor(r() * live.length), 1)[0];
      ev.push(unmapped(d, iova, size));
    } else {
      const d = r() < 0.5 ? 1 : 2;
      const size = BigInt(1 + Math.floor(r() * 8)) << 12n;
      next[d - 1] -= size;
      ev.push(mapped(d, next[d - 1], BigInt(Math.floor(r() * 1e6)) << 12n, size));
      live.push([d, next[d - 1], size]);
    }
    if (i % 997 === 0) ev.push(MarkerWritten.make({ text: `phase ${i}` }));
  }
  return journalOf(ev);
}

function replay(events: IommuEvent[], batch: number, from: State = initialState()): State {
  let s = from;
  for (let i = 0; i < events.length; i += batch) s = evolveBatch(s, events.slice(i, i + batch));
  return s;
}

describe('root reducer', () => {
  const events = workload(5000);

  it('gives the same hash replayed whole, one by one, or in any batch size', () => {
    const whole = stateHash(replay(events, events.length));
    for (const b of [1, 7, 64, 1000]) expect(stateHash(replay(events, b))).toBe(whole);
  });

  it('gives the same hash when resumed from a snapshot (through msgpack)', () => {
    const cut = 2345;
    const mid = replay(events.slice(0, cut), 100);
    const restored = restoreState(unpackValue(packValue(snapshotState(mid))) as Record<string, unknown>);
    expect(stateHash(restored)).toBe(stateHash(mid));
    expect(stateHash(replay(events.slice(cut), 50, restored))).toBe(stateHash(replay(events, 100)));
  });

  it('never changes a state it was given (earlier versions stay valid)', () => {
    const a = replay(events.slice(0, 3000), 300);
    const h = stateHash(a);
    replay(events.slice(3000), 1, a);
    replay(events.slice(3000), 500, a);
    expect(stateHash(a)).toBe(h);
  });

  it('counts every event in the timeline slice', () => {
    const s = replay(events, 256);
    expect(s.timeline.events).toBe(events.length);
    expect(s.timeline.lastSeq).toBe(events.length - 1);
    expect(s.timeline.byType.Mapped + s.timeline.byType.Unmapped + s.timeline.byType.DomainAllocated + s.timeline.byType.MarkerWritten).toBe(events.length);
  });

  it('keeps 64-bit addresses exact in the page-table state', () => {
    const top = 0xfffffffffffff000n;
    const s = evolve(evolve(initialState(), journalOf([domainAllocated(9, 0x1000n)])[0]), {
      ...mapped(9, top, 0x1_0000_0000_0000n, 0x1000n),
      seq: 1,
    } as IommuEvent);
    expect(translate(s.pageTables.domains.get(9)!.runs, top + 0xabcn)).toBe(0x1_0000_0000_0abcn);
  });
});
