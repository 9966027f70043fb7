// `check` on a long journal in bounded memory: a synthetic journal of N events (default 10 M;
// `--stream-events=N`, e.g. 100000000) is written once, then the real command line
// (`bin/iommu-journal check JOURNAL --json`) runs over it as a child process, once on its first
// tenth and once on all of it. Its peak RSS (VmHWM from /proc, polled) is the figure; the two
// peaks side by side show whether memory grows with the events.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter } from '../replay/index.js';
import { syntheticStream } from './synthetic.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'iommu-journal');

function writeJournal(path: string, n: number): void {
  const w = JournalWriter.create(path, { source: 'bench', blockEvents: 4096 });
  for (const chunk of syntheticStream(n, 5, 8, 65536)) w.append(chunk);
  w.close();
}

function vmHwmKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

interface CheckRun {
  readonly ms: number;
  readonly peakKb: number;
  readonly events: number;
  readonly findings: number;
}

/** Runs `check --json` as a user would; resolves with its time, peak RSS and what it printed. */
function runCheck(journal: string): Promise<CheckRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, 'check', journal, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let peakKb = 0;
    const poll = setInterval(() => (peakKb = Math.max(peakKb, vmHwmKb(child.pid!) ?? 0)), 100);
    // the findings line can be long: count without keeping it whole
    let head = '';
    let findings = 0;
    let depth = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      if (head.length < 64) head += s.slice(0, 64);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 123 /* { */ && depth++ === 1) findings++;
        else if (c === 125 /* } */) depth--;
      }
    });
    let err = '';
    child.stderr.on('data', (s: Buffer) => void (err += s.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const m = /"events":(\d+)/.exec(head);
      if (code !== 0 && code !== 1) reject(new Error(`check exited ${code}: ${err.trim()}`));
      else if (!m) reject(new Error(`check printed no event count: ${head}`));
      else resolve({ ms: performance.now() - t0, peakKb, events: Number(m[1]), findings });
    });
  });
}

export async function streamBench(n = 10_000_000, log: (m: string) => void = () => undefined): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'ij-stream-'));
  try {
    const tenth = join(dir, 'tenth.journal');
    const all = join(dir, 'all.journal');
    log(`writing ${n / 10} and ${n} event journals`);
    writeJournal(tenth, Math.floor(n / 10));
    writeJournal(all, n);
    const small = await runCheck(tenth);
    log(`check on ${small.events} events: ${Math.round(small.peakKb / 1024)} MB peak`);
    const big = await runCheck(all);
    log(`check on ${big.events} events: ${Math.round(big.peakKb / 1024)} MB peak`);
    return {
      streamEvents: big.events,
      streamJournalMB: Math.round(statSync(all).size / 2 ** 20),
      streamCheckEventsPerSec: Math.round(big.events / (big.ms / 1000)),
      streamCheckFindings: big.findings,
      streamCheckRssMB: Math.round(big.peakKb / 1024),
      streamCheckRssMBTenth: Math.round(small.peakKb / 1024),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
