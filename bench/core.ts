// Core figures: replay throughput against the mutable baseline, journal size, codec speed.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBlock, encodeBlock, type IommuEvent } from '../domain-events/index.js';
import { evolveBatch, initialState } from '../reducers/index.js';
import { JournalWriter } from '../replay/index.js';
import { baselineReplay } from './baseline.js';
import { best } from './timing.js';
import { syntheticJournal } from './synthetic.js';

export function coreBench(n: number): Record<string, number> {
  const events = syntheticJournal(n, 7);
  const batches: IommuEvent[][] = [];
  for (let i = 0; i < events.length; i += 4096) batches.push(events.slice(i, i + 4096));

  const replayMs = best(5, () => {
    let s = initialState();
    for (const b of batches) s = evolveBatch(s, b);
    return s.timeline.events;
  });
  const baselineMs = best(5, () => baselineReplay(events).events);

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
    journalBytesPerEvent: Number((size / n).toFixed(2)),
    encodeEventsPerSec: Math.round(n / (encodeMs / 1000)),
    decodeEventsPerSec: Math.round(n / (decodeMs / 1000)),
  };
}
