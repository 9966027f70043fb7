// Progress on stderr for long imports: a bar when stderr is a terminal, nothing otherwise (and
// nothing under --json), so pipes and scripts see only the results.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

export function progressBar(label: string, quiet: boolean): Progress {
  if (quiet || !process.stderr.isTTY || process.env.CI) return SILENT;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {percentage}% {value}/{total} MiB`, hideCursor: true, clearOnComplete: true, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
  return {
    update(done, total) {
      if (!started) {
        bar.start(mib(total), 0);
        started = true;
      }
      bar.update(mib(done));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
