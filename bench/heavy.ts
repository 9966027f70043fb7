// Import speed on the heavy real capture (../shared/traces/x86-q35-vtd-tcg-612-lazy-heavy: 2.56 M
// iommu/dma events of a 6.12 guest, trace.dat and `trace-cmd report` text): trace.dat -> journal
// and report.txt -> journal with everything a user gets by default (attribution, the fault
// checks' records, checkpoints every 4096 events), Node's bare line split of the same text,
// and `trace-cmd report` itself on the same trace.dat, all in one run. The .xz files are
// decompressed with the xz command into a temporary folder, never into the repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { checkCompanion } from '../checks/index.js';
import { Diagnostics } from '../ingest/diagnostics.js';
import { newHeader } from '../ingest/ftrace/parse.js';
import { importTrace } from '../ingest/importer.js';
import { readTraceDat } from '../ingest/tracedat/reader.js';
import { stageFigures } from './stages.js';

/** the repository (this file is in bench/, or in dist/bench/ once built) */
const REPO = join(import.meta.dirname, '..', ...(import.meta.dirname.includes(`${sep}dist${sep}`) ? ['..'] : []));

/** The shared captures sit beside the repository (../shared), or beside the folder of worktrees holding it. */
export function sharedTrace(name: string): string {
  const tried = [join(REPO, '..', 'shared', 'traces', name), join(REPO, '..', '..', 'shared', 'traces', name)];
  return tried.find((p) => existsSync(p)) ?? tried[0];
}

export const HEAVY = sharedTrace('x86-q35-vtd-tcg-612-lazy-heavy');

type Figures = Record<string, number | string>;

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** xz -dc FILE.xz > OUT */
async function unxz(from: string, to: string): Promise<void> {
  const out = createWriteStream(to);
  const child = (await import('node:child_process')).spawn('xz', ['-dc', from], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.pipe(out);
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    out.on('finish', () => (child.exitCode === 0 || child.exitCode === null ? resolve() : reject(new Error(`xz -dc ${from} exited ${child.exitCode}`))));
  });
}

/** A capture folder as a user has it: the capture's small files (formats, guest files, meta) and one trace, decompressed. */
async function captureWith(dir: string, name: string, trace: 'trace.dat' | 'report.txt'): Promise<string> {
  const folder = join(dir, name);
  cpSync(HEAVY, folder, { recursive: true, filter: (src) => !src.endsWith('.xz') });
  await unxz(join(HEAVY, `${trace}.xz`), join(folder, trace));
  return folder;
}

async function lineSplitMs(file: string): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const l of rl) n += l.length > 0 ? 1 : 0;
  if (n === 0) throw new Error(`${file}: empty`);
  return performance.now() - t0;
}

/** The trace's own events (what `trace-cmd report` prints a line for): the reader's records. */
async function traceEvents(file: string): Promise<number> {
  let n = 0;
  for await (const b of readTraceDat(file, new Diagnostics(), newHeader())) n += b.length;
  return n;
}

/** One import the way `iommu-journal import` does it; its wall time, process CPU time and events. */
async function timedImport(input: string, out: string): Promise<{ ms: number; cpuMs: number; events: number; findings: number }> {
  rmSync(out, { force: true });
  const companion = checkCompanion();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await importTrace(input, { output: out, checkpointEvery: 4096, companion });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const t = companion.totals;
  return { ms, cpuMs: (c.user + c.system) / 1000, events: r.summary.events, findings: t.error + t.warning + t.info };
}

/** trace-cmd, installed with apt-get when missing and this runs as root; null (and why) when it cannot be had */
function traceCmd(log: (m: string) => void): string | null {
  if (have('trace-cmd')) return null;
  if (process.getuid?.() !== 0 || !have('apt-get')) return 'trace-cmd is not installed (and this is not root: not installing it)';
  log('bench: trace-cmd is missing: apt-get install -y trace-cmd');
  const r = spawnSync('sh', ['-c', 'apt-get install -y trace-cmd || (apt-get update && apt-get install -y trace-cmd)'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return r.status === 0 && have('trace-cmd') ? null : 'trace-cmd could not be installed';
}

function bestOf(n: number, ms: () => number): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) best = Math.min(best, ms());
  return best;
}

export async function heavyBench(log: (m: string) => void = () => undefined, runs = 2): Promise<Figures> {
  const out: Figures = { heavyLoadAvg1Start: Number(loadavg()[0].toFixed(2)) };
  if (!existsSync(HEAVY)) return { ...out, heavySkipped: `${HEAVY} not found` };
  if (!have('xz')) return { ...out, heavySkipped: 'the xz command is not installed (needed to decompress the capture)' };
  const dir = mkdtempSync(join(tmpdir(), 'ij-heavy-'));
  try {
    // trace.dat -> journal, and trace-cmd report on the same file
    const datFolder = await captureWith(dir, 'dat', 'trace.dat');
    const dat = join(datFolder, 'trace.dat');
    let datEvents = 0;
    try {
      let best = { ms: Infinity, cpuMs: 0, events: 0, findings: 0 };
      for (let i = 0; i < runs; i++) {
        // the trace inside its capture folder: the folder's guest files and formats are read too
        const r = await timedImport(dat, join(dir, 'dat.journal'));
        if (r.ms < best.ms) best = r;
        log(`bench heavy: trace.dat imported in ${(r.ms / 1000).toFixed(1)} s`);
      }
      if (best.events === 0) throw new Error('it made no event (no trace.dat reader in this build?)');
      // per second of the trace's events (trace-cmd prints each): the journal may hold fewer
      // (what attribution could not place) or more (allocator events it infers)
      datEvents = await traceEvents(dat);
      out.tracedatEvents = datEvents;
      out.tracedatJournalEvents = best.events;
      out.tracedatSec = Number((best.ms / 1000).toFixed(2));
      out.tracedatCpuSec = Number((best.cpuMs / 1000).toFixed(2));
      out.tracedatEventsPerSec = Math.round(datEvents / (best.ms / 1000));
      out.tracedatFindings = best.findings;
    } catch (err) {
      out.tracedatSkipped = `trace.dat import failed: ${(err as Error).message.split('\n')[0]}`;
    }
    const why = traceCmd(log);
    if (why !== null) out.tracecmdReportSkipped = why;
    else {
      const ms = bestOf(runs, () => {
        const t0 = performance.now();
        execFileSync('sh', ['-c', `trace-cmd report -i '${dat}' > /dev/null`], { stdio: ['ignore', 'ignore', 'ignore'] });
        return performance.now() - t0;
      });
      out.tracecmdReportSec = Number((ms / 1000).toFixed(2));
      // the events trace-cmd printed are the trace's: the same count our import made from it
      if (datEvents > 0) {
        out.tracecmdReportEventsPerSec = Math.round(datEvents / (ms / 1000));
        out.tracedatVsTracecmd = Number(((out.tracedatEventsPerSec as number) / (out.tracecmdReportEventsPerSec as number)).toFixed(3));
      }
    }
    rmSync(join(dir, 'dat.journal'), { force: true });

    // report.txt -> journal, and the bare line split of the same text
    const txtFolder = await captureWith(dir, 'txt', 'report.txt');
    const report = join(txtFolder, 'report.txt');
    const mb = statSync(report).size / 1e6;
    let splitMs = Infinity;
    for (let i = 0; i < runs + 1; i++) splitMs = Math.min(splitMs, await lineSplitMs(report));
    let best = { ms: Infinity, cpuMs: 0, events: 0, findings: 0 };
    for (let i = 0; i < runs; i++) {
      const r = await timedImport(report, join(dir, 'txt.journal'));
      if (r.ms < best.ms) best = r;
      log(`bench heavy: report.txt imported in ${(r.ms / 1000).toFixed(1)} s`);
    }
    out.heavyReportMB = Number(mb.toFixed(1));
    out.importJournalEvents = best.events;
    out.importSec = Number((best.ms / 1000).toFixed(2));
    out.importCpuSec = Number((best.cpuMs / 1000).toFixed(2));
    out.importMBps = Number((mb / (best.ms / 1000)).toFixed(1));
    // per second of the trace's events, as for trace.dat (the same ring buffer)
    if (datEvents > 0) out.importEventsPerSec = Math.round(datEvents / (best.ms / 1000));
    out.lineSplitMBps = Number((mb / (splitMs / 1000)).toFixed(1));
    out.importVsLineSplit = Number(((out.importMBps as number) / (out.lineSplitMBps as number)).toFixed(3));

    // what each stage costs on these events (stages.ts)
    Object.assign(out, await stageFigures(txtFolder, report, join(dir, 'txt.journal'), datEvents > 0 ? dat : null));
    out.heavyLoadAvg1End = Number(loadavg()[0].toFixed(2));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
