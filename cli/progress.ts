// Progress on stderr for long imports: a bar with the events per second and the time left when
// stderr is a terminal, nothing otherwise (and nothing under --json or CI), so pipes and
// scripts see only the results.
import cliProgress from 'cli-progress';

export interface Progress {
  /** bytes of the input read so far, its size, and the events made so far (when known) */
  update(done: number, total: number, events?: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

export interface ProgressEnv {
  readonly stream: NodeJS.WriteStream;
  readonly ci: boolean;
  readonly now: () => number;
}

const PROCESS_ENV: () => ProgressEnv = () => ({ stream: process.stderr, ci: !!process.env.CI, now: () => performance.now() });

/** Rates over the last few seconds (an import's speed changes with the phase of the workload). */
export class RateMeter {
  private readonly samples: { t: number; done: number; events: number }[] = [];

  constructor(private readonly windowMs = 5000) {}

  sample(t: number, done: number, events: number): void {
    const s = this.samples;
    // one sample per 100 ms is plenty for a bar redrawn ten times a second
    if (s.length > 0 && t - s[s.length - 1].t < 100) s[s.length - 1] = { t: s[s.length - 1].t, done, events };
    else s.push({ t, done, events });
    while (s.length > 2 && t - s[1].t >= this.windowMs) s.shift();
  }

  /** bytes and events per second over the window; null until two samples lie 200 ms apart */
  rates(): { bytesPerSec: number; eventsPerSec: number } | null {
    const s = this.samples;
    if (s.length < 2) return null;
    const a = s[0];
    const b = s[s.length - 1];
    const dt = (b.t - a.t) / 1000;
    if (dt < 0.2) return null;
    return { bytesPerSec: (b.done - a.done) / dt, eventsPerSec: (b.events - a.events) / dt };
  }
}

/** 1234567 -> "1.23 M", 45678 -> "45.7 k" */
export function shortCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

/** seconds -> "7s", "2m05s", "1h02m" */
export function shortDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The text beside the bar: share done, events so far and per second, the time left. */
export function progressText(done: number, total: number, events: number | undefined, rates: { bytesPerSec: number; eventsPerSec: number } | null): string {
  const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
  const parts = [`${pct}%`];
  if (events !== undefined) parts.push(`${shortCount(events)} events`);
  if (rates === null) parts.push('measuring speed…');
  else {
    if (events !== undefined) parts.push(`${shortCount(rates.eventsPerSec)} events/s`);
    // the input's bytes are what is known in advance: the time left follows from their rate
    parts.push(rates.bytesPerSec > 0 ? `${shortDuration((total - done) / rates.bytesPerSec)} left` : 'stalled');
  }
  return parts.join(' | ');
}

export function progressBar(label: string, quiet: boolean, env: ProgressEnv = PROCESS_ENV()): Progress {
  if (quiet || !env.stream.isTTY || env.ci) return SILENT;
  const meter = new RateMeter();
  const bar = new cliProgress.SingleBar(
    {
      stream: env.stream,
      format: `${label} [{bar}] {text}`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, events) {
      meter.sample(env.now(), done, events ?? 0);
      const text = progressText(done, total, events, meter.rates());
      if (!started) {
        bar.start(Math.max(1, total), 0, { text });
        started = true;
      }
      bar.setTotal(Math.max(1, total));
      bar.update(done, { text });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
