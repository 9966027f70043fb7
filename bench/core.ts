// Core figures: replay throughput against the mutable baseline, journal size, codec speed.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBlock, encodeBlock, type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState } from '../reducers/index.js';
import { JournalWriter } from '../replay/index.js';
import { baselineReplay } from './baseline.js';
import { best, bestOf } from './timing.js';
import { syntheticJournal } from './synthetic.js';

export function coreBench(n: number): Record<string, number> {
  const events = syntheticJournal(n, 7);
  const batches: IommuEvent[][] = [];
  for (let i = 0; i < events.length; i += 4096) batches.push(events.slice(i, i + 4096));

  // replay and baseline alternate, so that both see the same machine; each keeps its best
  let replay = { wallMs: Infinity, cpuMs: Infinity };
  let baseline = { wallMs: Infinity, cpuMs: Infinity };
  const keep = (a: typeof replay, b: typeof replay) => ({ wallMs: Math.min(a.wallMs, b.wallMs), cpuMs: Math.min(a.cpuMs, b.cpuMs) });
  for (let i = 0; i < 7; i++) {
    replay = keep(
      replay,
      bestOf(1, () => {
        let s = initialState();
        for (const b of batches) s = evolveBatch(s, b);
        return s.timeline.events;
      }),
    );
    baseline = keep(
      baseline,
      bestOf(1, () => baselineReplay(events).events),
    );
  }
  const replayMs = replay.wallMs;
  const baselineMs = baseline.wallMs;

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
    replayEventsPerSec: Math.round(n / (replayMs / 1000)),
    baselineEventsPerSec: Math.round(n / (baselineMs / 1000)),
    replayVsBaseline: Number((replayMs / baselineMs).toFixed(3)),
    // the same on the main thread's CPU time (what a busy machine's waits do not inflate)
    replayCpuEventsPerSec: Math.round(n / (replay.cpuMs / 1000)),
    baselineCpuEventsPerSec: Math.round(n / (baseline.cpuMs / 1000)),
    replayVsBaselineCpu: Number((replay.cpuMs / baseline.cpuMs).toFixed(3)),
    journalBytesPerEvent: Number((size / n).toFixed(2)),
    encodeEventsPerSec: Math.round(n / (encodeMs / 1000)),
    decodeEventsPerSec: Math.round(n / (decodeMs / 1000)),
  };
}
