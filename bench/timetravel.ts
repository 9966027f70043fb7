// Time-travel figures on a large synthetic journal (default 10 M events; `--events=N`): seek
// and step latency, history queries, bisect, check throughput, peak RSS. The journal is built
// once per run in a temporary folder, in chunks, while the checks and the history index consume
// the same chunks (each timed on its own).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { bisectChecks } from '../cli/check-bisect.js';
import { type CheckInput, CHECKS, checkCompanion, checkOperator } from '../checks/index.js';
import { type IommuEvent, Unmapped } from '../domain-events/index.js';
import { evolve } from '../reducers/index.js';
import { bisectState } from '../replay/bisect.js';
import { HistoryIndex } from '../replay/history-index.js';
import { history } from '../replay/history.js';
import { parsePredicate } from '../replay/predicate.js';
import { JournalRecorder } from '../replay/recorder.js';
import { Timeline } from '../replay/seek.js';
import { rng, syntheticStream } from './synthetic.js';
import { spread } from './timing.js';

/** journal layout used for the figures */
export const BENCH_CHECKPOINT_EVERY = 4096;
export const BENCH_BLOCK_EVENTS = 1024;

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(s.length * 0.95))].toFixed(3));
}

/** the process's CPU time so far, in ms (µs resolution; GC helper threads included) */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** operator time (ms) of n events through the checks: on the wall clock and on the process's CPU time */
function checkRun(n: number, disable: string[]): { wallMs: number; cpuMs: number } {
  const input = new Subject<CheckInput>();
  input.pipe(checkOperator({ disable })).subscribe();
  let ms = 0;
  let cpu = 0;
  for (const chunk of syntheticStream(n, 9, 8, 4096)) {
    const c = cpuMs();
    const t = performance.now();
    input.next({ events: chunk });
    ms += performance.now() - t;
    cpu += cpuMs() - c;
  }
  input.complete();
  return { wallMs: ms, cpuMs: cpu };
}

/** rounds of the checks' throughput, with and without iommu/phys-shared in turn */
const CHECK_ROUNDS = 3;

/**
 * Events per second through every check and through every check but iommu/phys-shared: the two
 * take turns (the order swapped every round, after one untimed warm-up run), each figure the
 * median of its rounds with the slowest and fastest round beside it. Measured one after the
 * other, the second run found the code compiled and the first one's garbage collected.
 */
function checkThroughput(n: number): Record<string, number> {
  checkRun(Math.min(n, 200_000), []);
  const all: { wallMs: number; cpuMs: number }[] = [];
  const noPhys: { wallMs: number; cpuMs: number }[] = [];
  for (let i = 0; i < CHECK_ROUNDS; i++) {
    if (i % 2 === 0) {
      all.push(checkRun(n, []));
      noPhys.push(checkRun(n, ['iommu/phys-shared']));
    } else {
      noPhys.push(checkRun(n, ['iommu/phys-shared']));
      all.push(checkRun(n, []));
    }
  }
  const rate = (ms: number): number => Math.round(n / (ms / 1000));
  const wall = spread(all.map((x) => x.wallMs));
  const cpu = spread(all.map((x) => x.cpuMs));
  const np = spread(noPhys.map((x) => x.wallMs));
  return {
    checksRounds: CHECK_ROUNDS,
    checksEventsPerSec: rate(wall.median),
    checksEventsPerSecMin: rate(wall.max),
    checksEventsPerSecMax: rate(wall.min),
    checksCpuEventsPerSec: rate(cpu.median),
    checksCpuEventsPerSecMin: rate(cpu.max),
    checksCpuEventsPerSecMax: rate(cpu.min),
    checksNoPhysSharedEventsPerSec: rate(np.median),
    checksNoPhysSharedEventsPerSecMin: rate(np.max),
    checksNoPhysSharedEventsPerSecMax: rate(np.min),
  };
}

export function timetravelBench(n = 10_000_000, log: (m: string) => void = () => undefined): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'ij-tt-'));
  const path = join(dir, 'bench.journal');
  let peakRss = 0;
  const sample = (): void => void (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  try {
    // 0. checks alone: 1 M events streamed through every check, only the operator timed (no
    //    journal work interleaved); the inline figure below shares the heap with the recorder
    const checks = checkThroughput(Math.min(n, 1_000_000));
    sample();

    // 1. one pass: journal (with checkpoints and the checks' records beside them), history index;
    //    one error planted late (an unmap of a hole) for the check bisect to find
    const t0 = performance.now();
    const companionChecks = checkCompanion();
    let checkMs = 0;
    const companion = {
      feed(events: readonly IommuEvent[]): void {
        const t = performance.now();
        companionChecks.feed(events);
        checkMs += performance.now() - t;
      },
      save: () => companionChecks.save(),
    };
    const rec = JournalRecorder.create(path, { source: 'bench', checkpointEvery: BENCH_CHECKPOINT_EVERY, blockEvents: BENCH_BLOCK_EVENTS, companion });
    const ix = new HistoryIndex();
    let indexMs = 0;
    let maps = 0;
    const planted = Math.floor(n * 0.87);
    let shift = 0;
    for (let chunk of syntheticStream(n, 5, 8, 16384)) {
      if (shift === 0 && chunk[chunk.length - 1].seq >= planted) {
        const at = planted - chunk[0].seq;
        const hole = Unmapped.make({ domain: 1, iova: 0x7fff_0000_0000n, size: 0x2000n, unmappedSize: 0n, warn: 1 }, { ts: chunk[at].ts, line: null, src: 'planted' });
        chunk = [...chunk.slice(0, at), hole, ...chunk.slice(at)];
        for (let i = at; i < chunk.length; i++) (chunk[i] as { seq: number }).seq = planted + (i - at);
        shift = 1;
      } else if (shift) for (const e of chunk) (e as { seq: number }).seq += shift;
      // the recorder checkpoints after an append once `checkpointEvery` events have gone by
      for (let i = 0; i < chunk.length; i += BENCH_CHECKPOINT_EVERY) rec.append(chunk.slice(i, i + BENCH_CHECKPOINT_EVERY));
      const t = performance.now();
      for (const e of chunk) {
        ix.add(e);
        if (e.type === 'Mapped') maps++;
      }
      indexMs += performance.now() - t;
      sample();
      if (chunk[0].seq % 1_000_000 < 16384) log(`built ${chunk[0].seq + chunk.length} events`);
    }
    rec.close();
    const findings = companionChecks.totals.error + companionChecks.totals.warning + companionChecks.totals.info;
    const buildSec = (performance.now() - t0) / 1000;

    // 2. seeks: random points, each from the nearest checkpoint (or an anchor left by an earlier one)
    const r = rng(17);
    const tl = Timeline.open(path);
    // the build only encoded: the first seeks of a process run the decoders before V8 has
    // compiled them. 25 untimed seeks (at points of their own) warm them, as any session that
    // steps and seeks does; the first one is reported on its own
    const warm = rng(99);
    const t1 = performance.now();
    tl.stateAt(Math.floor(warm() * tl.total));
    const seekFirstMs = performance.now() - t1;
    for (let i = 1; i < 25; i++) tl.stateAt(Math.floor(warm() * tl.total));
    const seekMs: number[] = [];
    const seekCpuMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const seq = Math.floor(r() * tl.total);
      const c = cpuMs();
      const t = performance.now();
      tl.stateAt(seq);
      seekMs.push(performance.now() - t);
      seekCpuMs.push(cpuMs() - c);
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

    // 6. check bisect on a fresh Timeline: the first error of any check (the planted one)
    const cold2 = Timeline.open(path);
    const tc = performance.now();
    const cb = bisectChecks(cold2, CHECKS, ['error']);
    const checkBisectMs = performance.now() - tc;
    cold2.close();
    if (cb.outcome.firstFailingSeq !== planted || cb.outcome.method !== 'checkpoints') throw new Error(`check bisect found #${cb.outcome.firstFailingSeq} by ${cb.outcome.method}, the error was planted at #${planted}`);
    sample();

    return {
      events: n + 1,
      buildSec: Number(buildSec.toFixed(1)),
      journalMB: Math.round(statSync(path).size / 2 ** 20),
      seekP95Ms: p95(seekMs),
      // CPU time per seek (a busy machine's waits for a core left out; GC threads counted)
      seekP95CpuMs: p95(seekCpuMs),
      seekP50Ms: Number([...seekMs].sort((a, b) => a - b)[100].toFixed(3)),
      seekFirstMs: Number(seekFirstMs.toFixed(3)),
      stepP95Ms: p95(stepMs),
      historyP95Ms: p95(historyMs),
      historyIndexSec: Number((indexMs / 1000).toFixed(1)),
      bisectMs: Math.round(bisectMs),
      bisectProbes: b.probes,
      checkBisectMs: Math.round(checkBisectMs),
      checkBisectProbes: cb.outcome.probes,
      ...checks,
      checksInlineEventsPerSec: Math.round(n / (checkMs / 1000)),
      checkFindings: findings,
      rssMB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
