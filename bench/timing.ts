// Benchmarks report the best of several runs: the least disturbed by a noisy machine. Beside the
// wall clock, the main thread's CPU time (Linux /proc; 10 ms ticks): on a machine shared with
// other work it counts what this thread did, not how long it waited for a core.
import { readFileSync } from 'node:fs';

export function best(runs: number, fn: () => unknown): number {
  return bestOf(runs, fn).wallMs;
}

/** Best wall-clock and best main-thread CPU time of `runs` runs (each the minimum on its own). */
export function bestOf(runs: number, fn: () => unknown): { wallMs: number; cpuMs: number } {
  let wallMs = Infinity;
  let cpuMs = Infinity;
  for (let i = 0; i < runs; i++) {
    const c0 = threadCpuMs();
    const t0 = performance.now();
    fn();
    wallMs = Math.min(wallMs, performance.now() - t0);
    cpuMs = Math.min(cpuMs, threadCpuMs() - c0);
  }
  return { wallMs, cpuMs };
}

/** CPU time of this thread so far (ms): /proc/self/task/<tid>/stat on Linux, else the process's. */
export function threadCpuMs(): number {
  try {
    const s = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks (USER_HZ, 100 on Linux)
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Median, lowest and highest of a set of samples (the median of an even count: the mean of the middle two). */
export function spread(samples: readonly number[]): { median: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1] };
}
