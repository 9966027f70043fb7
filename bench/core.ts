// Core figures: replay throughput against the mutable baseline, journal size, codec speed.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBlock, encodeBlock, type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState } from '../reducers/index.js';
import { JournalWriter } from '../replay/index.js';
import { baselineReplay } from './baseline.js';
import { best, bestOf, spread } from './timing.js';
import { syntheticJournal } from './synthetic.js';

type Sample = { wallMs: number; cpuMs: number };

/** rounds of replay and baseline, each one run of each */
const ROUNDS = 9;

export function coreBench(n: number): Record<string, number> {
  const events = syntheticJournal(n, 7);
  const batches: IommuEvent[][] = [];
  for (let i = 0; i < events.length; i += 4096) batches.push(events.slice(i, i + 4096));

  // replay and baseline take turns for ROUNDS rounds (the order swapped every round), so that
  // both see the same machine; one untimed round of each first, so that neither is timed while
  // V8 compiles it. The figures are the medians of the rounds, with the spread beside them: on a
  // shared machine one sample (or the best one) says as much about the load as about the code.
  const replayOnce = (): number => {
    let s = initialState();
    for (const b of batches) s = evolveBatch(s, b);
    return s.timeline.events;
  };
  const baselineOnce = (): number => baselineReplay(events).events;
  replayOnce();
  baselineOnce();
  const replay: Sample[] = [];
  const baseline: Sample[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      replay.push(bestOf(1, replayOnce));
      baseline.push(bestOf(1, baselineOnce));
    } else {
      baseline.push(bestOf(1, baselineOnce));
      replay.push(bestOf(1, replayOnce));
    }
  }
  const rate = (ms: number): number => Math.round(n / (ms / 1000));
  const wall = (xs: Sample[]): number[] => xs.map((x) => x.wallMs);
  const cpu = (xs: Sample[]): number[] => xs.map((x) => x.cpuMs);
  // each round's ratio is of two runs next to each other: the ratio's spread is the noise between them
  const ratios = (r: number[], b: number[]): number[] => r.map((x, i) => x / b[i]);
  const ratio = (x: number): number => Number(x.toFixed(3));
  const replayWall = spread(wall(replay));
  const baselineWall = spread(wall(baseline));
  const replayCpu = spread(cpu(replay));
  const baselineCpu = spread(cpu(baseline));
  const vsWall = spread(ratios(wall(replay), wall(baseline)));
  const vsCpu = spread(ratios(cpu(replay), cpu(baseline)));

  const encoded: Uint8Array[] = [];
  const encodeMs = best(3, () => {
    encoded.length = 0;
    for (const b of batches) encoded.push(encodeBlock(b));
    return encoded.length;
  });
  const decodeMs = best(3, () => {
    let k = 0;
    for (const buf of encoded) k += decodeBlock(buf).length;
    return k;
  });

  const dir = mkdtempSync(join(tmpdir(), 'ij-bench-'));
  const path = join(dir, 'bench.journal');
  const w = JournalWriter.create(path, { source: 'bench' });
  w.append(events);
  w.close();
  const size = statSync(path).size;
  rmSync(dir, { recursive: true, force: true });

  return {
    replayEvents: n,
    replayRounds: ROUNDS,
    // medians of the rounds; the slowest and fastest round beside each (Min/Max: of the rate)
    replayEventsPerSec: rate(replayWall.median),
    replayEventsPerSecMin: rate(replayWall.max),
    replayEventsPerSecMax: rate(replayWall.min),
    baselineEventsPerSec: rate(baselineWall.median),
    baselineEventsPerSecMin: rate(baselineWall.max),
    baselineEventsPerSecMax: rate(baselineWall.min),
    replayVsBaseline: ratio(vsWall.median),
    replayVsBaselineMin: ratio(vsWall.min),
    replayVsBaselineMax: ratio(vsWall.max),
    // the same on the main thread's CPU time (what a busy machine's waits do not inflate)
    replayCpuEventsPerSec: rate(replayCpu.median),
    replayCpuEventsPerSecMin: rate(replayCpu.max),
    replayCpuEventsPerSecMax: rate(replayCpu.min),
    baselineCpuEventsPerSec: rate(baselineCpu.median),
    replayVsBaselineCpu: ratio(vsCpu.median),
    replayVsBaselineCpuMin: ratio(vsCpu.min),
    replayVsBaselineCpuMax: ratio(vsCpu.max),
    journalBytesPerEvent: Number((size / n).toFixed(2)),
    encodeEventsPerSec: Math.round(n / (encodeMs / 1000)),
    decodeEventsPerSec: Math.round(n / (decodeMs / 1000)),
  };
}
