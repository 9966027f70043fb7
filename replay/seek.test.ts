// Seek gives the same state as a replay from zero, wherever it starts from (checkpoint, anchor,
// or a step back), and says clearly when asked for a point that does not exist.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng, syntheticJournal } from '../bench/synthetic.js';
import { type IommuEvent, isInputError } from '../domain-events/index.js';
import { evolveBatch, initialState, stateHash } from '../reducers/index.js';
import { bisectState } from './bisect.js';
import { parsePredicate } from './predicate.js';
import { JournalRecorder } from './recorder.js';
import { parseTraceTime, Timeline } from './seek.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-seek-');
let events: IommuEvent[];
let tl: Timeline;

function replayTo(seq: number): string {
  return stateHash(evolveBatch(initialState(), events.slice(0, seq + 1)));
}

beforeAll(() => {
  events = syntheticJournal(20_000, 3);
  const rec = JournalRecorder.create(join(dir, 's.journal'), { checkpointEvery: 3000, blockEvents: 1000 });
  for (let i = 0; i < events.length; i += 1000) rec.append(events.slice(i, i + 1000));
  rec.close();
  tl = Timeline.open(join(dir, 's.journal'));
});

afterAll(() => {
  tl.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Timeline', () => {
  it('indexes the checkpoints the recorder wrote', () => {
    expect(tl.total).toBe(20_000);
    expect(tl.checkpointSeqs()).toEqual([3000, 6000, 9000, 12000, 15000, 18000]);
  });

  it('the state at any seq equals a replay from zero (seeded random seeks)', () => {
    const r = rng(11);
    for (const seq of [-1, 0, 2999, 3000, 19_999, ...Array.from({ length: 8 }, () => Math.floor(r() * 20_000))])
      expect(stateHash(tl.stateAt(seq)), `seq ${seq}`).toBe(replayTo(seq));
  });

  it('a seek starts from the nearest checkpoint, not from zero', () => {
    const fresh = Timeline.open(join(dir, 's.journal'));
    fresh.stateAt(17_500);
    expect(fresh.stats.checkpointsRestored).toBe(1);
    expect(fresh.stats.eventsReplayed).toBe(2501);
    fresh.close();
  });

  it('stepping back replays from an anchor, a few hundred events at most', () => {
    tl.stateAt(10_700);
    const before = tl.stats.eventsReplayed;
    expect(stateHash(tl.stateAt(10_699))).toBe(replayTo(10_699));
    expect(tl.stats.eventsReplayed - before).toBeLessThanOrEqual(256);
  });

  it('keeps the states of the last two places seeked to, not of every place', () => {
    // given a journal long enough for three places more than 8192 events apart
    const long = syntheticJournal(60_000, 5);
    const path = join(dir, 'places.journal');
    const rec = JournalRecorder.create(path, { checkpointEvery: 3000, blockEvents: 1000 });
    for (let i = 0; i < long.length; i += 1000) rec.append(long.slice(i, i + 1000));
    rec.close();
    const t = Timeline.open(path);
    // when three places are visited, each from a checkpoint
    for (const seq of [10_500, 30_500, 50_500]) t.stateAt(seq);
    expect(t.stats.checkpointsRestored).toBe(3);
    // then the second place is still in memory, the first is restored again
    t.stateAt(30_400);
    expect(t.stats.checkpointsRestored).toBe(3);
    const again = t.stateAt(10_400);
    expect(t.stats.checkpointsRestored).toBe(4);
    expect(stateHash(again)).toBe(stateHash(evolveBatch(initialState(), long.slice(0, 10_401))));
    t.close();
  });

  it('finds events by trace time', () => {
    const e = events[12_345];
    expect(tl.seqAtTime(e.ts!)).toBeGreaterThanOrEqual(12_345);
    expect(tl.eventAt(tl.seqAtTime(e.ts!)).ts).toBe(e.ts);
    expect(tl.seqAtTime(0)).toBe(-1);
    expect(parseTraceTime('12.345678')).toBe(12_345_678_000);
  });

  it('seek past the end is an InputError naming the last event', () => {
    let err: unknown;
    try {
      tl.stateAt(20_000);
    } catch (x) {
      err = x;
    }
    expect(isInputError(err)).toBe(true);
    expect((err as Error).message).toMatch(/past the end .*#19999/);
    expect(() => parseTraceTime('soon')).toThrow(/--at-time/);
  });

  it('bisect on a state predicate finds the first event after which it holds', () => {
    const maps = events.filter((e) => e.type === 'Mapped');
    const pred = parsePredicate(`maps >= ${maps.length - 1000}`);
    const r = bisectState(tl, pred);
    expect(r.firstFailingSeq).not.toBeNull();
    const s = r.firstFailingSeq!;
    expect(pred(evolveBatch(initialState(), events.slice(0, s + 1)))).toBe(true);
    expect(pred(evolveBatch(initialState(), events.slice(0, s)))).toBe(false);
    expect(s).toBe(maps[maps.length - 1001].seq);
    expect(r.probes).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(tl.checkpointCount + 1)));
    expect(() => parsePredicate('mapped banana')).toThrow(/expected an address/);
  });
});
