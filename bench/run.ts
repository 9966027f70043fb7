// npm run bench [-- --json] [-- --only core,...]: every benchmark figure, measured in one run.
import { cpus, loadavg } from 'node:os';
import { coreBench } from './core.js';
import { heavyBench } from './heavy.js';
import { kernelBench } from './kernel.js';
import { seriesBench } from './series.js';
import { streamBench } from './stream.js';
import { timetravelBench } from './timetravel.js';
import { tracedatBench } from './tracedat.js';

type Bench = { name: string; run: () => Promise<Record<string, number | string>> | Record<string, number | string> };

const BENCHES: Bench[] = [
  { name: 'core', run: () => coreBench(1_000_000) },
  { name: 'kernel', run: () => kernelBench() },
  { name: 'ingest', run: () => heavyBench((m) => process.stderr.write(m + '\n')) },
  { name: 'tracedat', run: () => tracedatBench() },
  { name: 'series', run: () => seriesBench() },
  { name: 'stream', run: () => streamBench(Number(process.argv.find((a) => a.startsWith('--stream-events='))?.slice(16) ?? 10_000_000), (m) => process.stderr.write(m + '\n')) },
  { name: 'timetravel', run: () => timetravelBench(Number(process.argv.find((a) => a.startsWith('--events='))?.slice(9) ?? 10_000_000), (m) => process.stderr.write(m + '\n')) },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const onlyArg = args.find((a) => a.startsWith('--only='));
  const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : null;
  // the machine is shared: what else ran says how far wall-clock figures are from a quiet machine's
  const out: Record<string, number | string> = { node: process.version, cpus: cpus().length, loadAvg1: Number(loadavg()[0].toFixed(2)) };
  for (const b of BENCHES) {
    if (only && !only.has(b.name)) continue;
    if (!json) process.stderr.write(`bench ${b.name}…\n`);
    let r: Record<string, number | string>;
    try {
      r = await b.run();
    } catch (err) {
      // one bench failing does not lose the others' figures
      process.stderr.write(`bench ${b.name} failed: ${(err as Error).stack ?? err}\n`);
      r = { [`${b.name}Failed`]: (err as Error).message.split('\n')[0] };
      process.exitCode = 1;
    }
    for (const [k, v] of Object.entries(r)) out[k] = v;
    if (!json) for (const [k, v] of Object.entries(r)) process.stdout.write(`${k.padEnd(28)} ${v}\n`);
  }
  out.loadAvg1End = Number(loadavg()[0].toFixed(2));
  if (json) process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
