// Time-travel figures on a large synthetic journal (default 10 M events; `--events=N`): seek
// and step latency, history queries, bisect, check throughput, peak RSS. The journal is built
// once per run in a temporary folder, in chunks, while the checks and the history index consume
// the same chunks (each timed on its own).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { type CheckInput, checkOperator } from '../checks/index.js';
import { evolve } from '../reducers/index.js';
import { bisectState } from '../replay/bisect.js';
import { HistoryIndex } from '../replay/history-index.js';
import { history } from '../replay/history.js';
import { parsePredicate } from '../replay/predicate.js';
import { JournalRecorder } from '../replay/recorder.js';
import { Timeline } from '../replay/seek.js';
import { rng, syntheticStream } from './synthetic.js';

/** journal layout used for the figures */
export const BENCH_CHECKPOINT_EVERY = 4096;
export const BENCH_BLOCK_EVENTS = 1024;

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(s.length * 0.95))].toFixed(3));
}

function checkThroughput(n: number, disable: string[]): number {
  const input = new Subject<CheckInput>();
  input.pipe(checkOperator({ disable })).subscribe();
  let ms = 0;
  for (const chunk of syntheticStream(n, 9, 8, 4096)) {
    const t = performance.now();
    input.next({ events: chunk });
    ms += performance.now() - t;
  }
  input.complete();
  return Math.round(n / (ms / 1000));
}

export function timetravelBench(n = 10_000_000, log: (m: string) => void = () => undefined): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'ij-tt-'));
  const path = join(dir, 'bench.journal');
  let peakRss = 0;
  const sample = (): void => void (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  try {
    // 0. checks alone: 1 M events streamed through every check, only the operator timed (no
    //    journal work interleaved); the inline figure below shares the heap with the recorder
    const checksEventsPerSec = checkThroughput(Math.min(n, 1_000_000), []);
    const checksNoPhysSharedEventsPerSec = checkThroughput(Math.min(n, 1_000_000), ['iommu/phys-shared']);
    sample();

    // 1. one pass: journal (with checkpoints), checks, history index
    const t0 = performance.now();
    const rec = JournalRecorder.create(path, { source: 'bench', checkpointEvery: BENCH_CHECKPOINT_EVERY, blockEvents: BENCH_BLOCK_EVENTS });
    const ix = new HistoryIndex();
    const input = new Subject<CheckInput>();
    let findings = 0;
    input.pipe(checkOperator()).subscribe(() => void findings++);
    let checkMs = 0;
    let indexMs = 0;
    let maps = 0;
    for (const chunk of syntheticStream(n, 5, 8, 16384)) {
      // the recorder checkpoints after an append once `checkpointEvery` events have gone by
      for (let i = 0; i < chunk.length; i += BENCH_CHECKPOINT_EVERY) rec.append(chunk.slice(i, i + BENCH_CHECKPOINT_EVERY));
      let t = performance.now();
      input.next({ events: chunk });
      checkMs += performance.now() - t;
      t = performance.now();
      for (const e of chunk) {
        ix.add(e);
        if (e.type === 'Mapped') maps++;
      }
      indexMs += performance.now() - t;
      sample();
      if (chunk[0].seq % 1_000_000 < 16384) log(`built ${chunk[0].seq + chunk.length} events`);
    }
    input.complete();
    rec.close();
    const buildSec = (performance.now() - t0) / 1000;

    // 2. seeks: random points, each from the nearest checkpoint (or an anchor left by an earlier one)
    const r = rng(17);
    const tl = Timeline.open(path);
    const seekMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const seq = Math.floor(r() * tl.total);
      const t = performance.now();
      tl.stateAt(seq);
      seekMs.push(performance.now() - t);
    }
    sample();

    // 3. steps: back and forth around random points
    const stepMs: number[] = [];
    for (let i = 0; i < 50; i++) {
      let seq = 1 + Math.floor(r() * (tl.total - 40));
      let s = tl.stateAt(seq);
      for (let k = 0; k < 20; k++) {
        const t = performance.now();
        if (k % 2 === 0) {
          seq -= 1;
          s = tl.stateAt(seq);
        } else {
          seq += 1;
          s = evolve(s, tl.eventAt(seq));
        }
        stepMs.push(performance.now() - t);
      }
    }
    sample();

    // 4. history of random IOVA pages (the last 100 events of each, the state after each)
    const historyMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      let f = ix.facts.get(Math.floor(r() * tl.total));
      while (f.type !== 'Mapped' || f.iova === null) f = ix.facts.get(Math.floor(r() * tl.total));
      const t = performance.now();
      history(ix, { kind: 'iova', lo: f.iova!, hi: f.iova! + 0x1000n, domain: f.domain }, { limit: 100 });
      historyMs.push(performance.now() - t);
    }
    sample();
    tl.close();

    // 5. bisect on a fresh Timeline: when did the domains reach 90 % of their maps
    const cold = Timeline.open(path);
    const tb = performance.now();
    const b = bisectState(cold, parsePredicate(`maps >= ${Math.floor(maps * 0.9)}`));
    const bisectMs = performance.now() - tb;
    cold.close();
    sample();

    return {
      events: n,
      buildSec: Number(buildSec.toFixed(1)),
      journalMB: Math.round(statSync(path).size / 2 ** 20),
      seekP95Ms: p95(seekMs),
      stepP95Ms: p95(stepMs),
      historyP95Ms: p95(historyMs),
      historyIndexSec: Number((indexMs / 1000).toFixed(1)),
      bisectMs: Math.round(bisectMs),
      bisectProbes: b.probes,
      checksEventsPerSec,
      checksNoPhysSharedEventsPerSec,
      checksInlineEventsPerSec: Math.round(n / (checkMs / 1000)),
      checkFindings: findings,
      rssMB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
