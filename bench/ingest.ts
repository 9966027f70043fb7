// Trace import throughput on a large trace: a real capture repeated with its timestamps shifted
// so each copy follows the last (IOVAs recur as they would after a reboot of the workload), and
// Node's bare line split of the same file, measured in the same run as the baseline.
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { importTrace } from '../ingest/importer.js';

const SOURCE = 'fixtures/traces/x86-q35-vtd-strict-612';

/** Copies of the capture's event lines, each shifted past the previous copy's last timestamp. */
function buildLargeTrace(dir: string, copies: number): string {
  const folder = join(dir, 'capture');
  cpSync(SOURCE, folder, { recursive: true });
  const text = readFileSync(join(SOURCE, 'trace.txt'), 'utf8');
  const lines = text.split('\n');
  const header = lines.filter((l) => l.startsWith('#'));
  const body = lines.filter((l) => l && !l.startsWith('#'));
  const last = Number(/(\d+\.\d{6}):/.exec(body[body.length - 1])![1]);
  const out: string[] = [...header];
  for (let c = 0; c < copies; c++) {
    const shift = c * (Math.floor(last) + 1);
    for (const l of body) out.push(c === 0 ? l : l.replace(/ (\d+)\.(\d{6}):/, (_, s: string, us: string) => ` ${Number(s) + shift}.${us}:`));
  }
  writeFileSync(join(folder, 'trace.txt'), out.join('\n') + '\n');
  return folder;
}

async function lineSplit(file: string): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const l of rl) n += l.length > 0 ? 1 : 0;
  if (n === 0) throw new Error('empty');
  return performance.now() - t0;
}

export async function ingestBench(copies = 24): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'ij-bench-ingest-'));
  try {
    const folder = buildLargeTrace(dir, copies);
    const file = join(folder, 'trace.txt');
    const mb = statSync(file).size / 1e6;
    let splitMs = Infinity;
    for (let i = 0; i < 3; i++) splitMs = Math.min(splitMs, await lineSplit(file));
    let importMs = Infinity;
    let events = 0;
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      const r = await importTrace(folder, { output: join(dir, `out${i}.journal`) });
      importMs = Math.min(importMs, performance.now() - t0);
      events = r.summary.events;
    }
    const importMBps = mb / (importMs / 1000);
    const lineSplitMBps = mb / (splitMs / 1000);
    return {
      ingestTraceMB: Math.round(mb * 10) / 10,
      importMBps: Math.round(importMBps * 10) / 10,
      importEventsPerSec: Math.round(events / (importMs / 1000)),
      lineSplitMBps: Math.round(lineSplitMBps * 10) / 10,
      importVsLineSplit: Math.round((importMBps / lineSplitMBps) * 1000) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
