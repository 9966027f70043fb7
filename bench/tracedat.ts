// The readers alone, on the heavy trace-cmd capture: trace.dat → located records (decode,
// decompression and CPU merge; no attribution, no journal), and `trace-cmd report` text → records
// (line split, tokenize, family parsers), in MB/s of text. Run directly
// (`node dist/bench/tracedat.js`) it also checks the full count against the capture's meta.md
// figure and against `trace-cmd report` when trace-cmd is installed.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Diagnostics } from '../ingest/diagnostics.js';
import { FormatSet } from '../ingest/ftrace/format-set.js';
import { newHeader, parseTrace } from '../ingest/ftrace/parse.js';
import { readLines } from '../ingest/lines.js';
import { readTraceDat } from '../ingest/tracedat/reader.js';

const HEAVY = 'fixtures/traces/x86-q35-vtd-tcg-612-lazy-heavy';
// shared/ sits beside the repository (CI, the main checkout) or one level up (a worktree)
const SHARED_REPORT = ['../shared', '../../shared'].map((d) => `${d}/traces/x86-q35-vtd-tcg-612-lazy-heavy/report.txt.xz`).find((p) => existsSync(p)) ?? null;

export interface DatCount {
  readonly records: number;
  readonly iommuDma: number;
  readonly markers: number;
  readonly parseErrors: number;
  readonly unknown: number;
  readonly ms: number;
  readonly cpuMs: number;
}

export async function decodeDat(file: string): Promise<DatCount> {
  const diag = new Diagnostics();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let records = 0;
  let markers = 0;
  for await (const b of readTraceDat(file, diag, newHeader())) {
    records += b.length;
    for (const r of b) if (r.kind === 'marker') markers++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { records, iommuDma: records - markers - diag.counts.unknownEvents, markers, parseErrors: diag.counts.parseErrors, unknown: diag.counts.unknownEvents, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function parseText(file: string, folder: string): Promise<{ ms: number; records: number }> {
  const diag = new Diagnostics();
  const t0 = performance.now();
  let records = 0;
  for await (const b of parseTrace(readLines(file), file, diag, newHeader(), FormatSet.fromFolder(folder))) records += b.length;
  return { ms: performance.now() - t0, records };
}

/** `trace-cmd report -i FILE` event lines, when trace-cmd is installed */
async function traceCmdCount(file: string): Promise<number | null> {
  try {
    execFileSync('sh', ['-c', 'command -v trace-cmd'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const child = spawn('trace-cmd', ['report', '-i', file], { stdio: ['ignore', 'pipe', 'ignore'] });
  let n = 0;
  for await (const line of createInterface({ input: child.stdout })) if (/^\s*\S.*\[\d+\]\s+\d+\.\d+: /.test(line)) n++;
  return n;
}

export async function tracedatBench(): Promise<Record<string, number>> {
  if (!existsSync(join(HEAVY, 'trace.dat'))) return {};
  const d = await decodeDat(join(HEAVY, 'trace.dat'));
  const out: Record<string, number> = { tracedatDecodeEventsPerSec: Math.round(d.records / (d.ms / 1000)), tracedatDecodeCpuEventsPerSec: Math.round(d.records / (d.cpuMs / 1000)) };
  if (SHARED_REPORT) {
    const dir = mkdtempSync(join(tmpdir(), 'ij-bench-report-'));
    try {
      const report = join(dir, 'report.txt');
      execFileSync('sh', ['-c', `xz -dc "${SHARED_REPORT}" > "${report}"`]);
      const mb = statSync(report).size / 1e6;
      const t = await parseText(report, HEAVY);
      out.reportParseMBps = Math.round((mb / (t.ms / 1000)) * 10) / 10;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

async function check(): Promise<void> {
  const file = join(HEAVY, 'trace.dat');
  const d = await decodeDat(file);
  process.stdout.write(`${file}: ${d.records} records (${d.iommuDma} iommu/dma + ${d.markers} markers, ${d.unknown} other), ${d.parseErrors} parse errors; ${(d.records / (d.ms / 1000) / 1e6).toFixed(2)} M records/s wall, ${(d.records / (d.cpuMs / 1000) / 1e6).toFixed(2)} M/s of CPU\n`);
  const expected = { records: 2_558_254, iommuDma: 2_558_171, markers: 83 };
  const ok = d.records === expected.records && d.iommuDma === expected.iommuDma && d.markers === expected.markers && d.parseErrors === 0;
  process.stdout.write(`meta.md says 2,558,171 iommu/dma events + 83 markers: ${ok ? 'same' : 'DIFFERENT'}\n`);
  const tc = await traceCmdCount(file);
  if (tc !== null) process.stdout.write(`trace-cmd report: ${tc} event lines: ${tc === d.records ? 'same' : 'DIFFERENT'}\n`);
  if (!ok || (tc !== null && tc !== d.records)) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void check();
