// demo (npm start): import two bundled real kernel captures (x86 VT-d and arm64 SMMUv3), replay
// them and print what they show: devices, groups, domains, mapped bytes over time, where the
// IOVAs sit, doorbells, and how well the model predicted the kernel's IOVAs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command } from 'commander';
import { type IommuEvent } from '../../domain-events/index.js';
import { importTrace } from '../../ingest/importer.js';
import { placementOf, summarize } from '../../projections/index.js';
import { evolve, initialState, type State } from '../../reducers/index.js';
import { act } from '../act.js';
import { bytes, hex, printJson, println, table, warn } from '../output.js';
import { importIssue } from '../../ingest/import-status.js';
import { printSummary } from '../print-summary.js';
import { progressBar } from '../progress.js';

/** The repository root, from dist/cli/commands or cli/commands. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export const DEMO_CAPTURES = ['x86-q35-vtd-strict-612', 'arm64-virt-smmuv3-vfio-612'];

interface PhaseSample {
  readonly phase: string;
  readonly seq: number;
  readonly ts: number | null;
  readonly mappedBytes: bigint;
  readonly liveDmaMappings: number;
}

/** Mapped bytes (all domains) at the end of every phase marker. */
function phases(events: readonly IommuEvent[]): { samples: PhaseSample[]; state: State } {
  const samples: PhaseSample[] = [];
  let s = initialState();
  let phase = '(before the first marker)';
  const sample = (e: IommuEvent | undefined) => {
    if (!e) return;
    let mapped = 0n;
    s.pageTables.domains.forEach((_, pt) => void (mapped += BigInt(pt.mappedPages) << 12n));
    const live = summarize(s).devices.reduce((n, d) => n + d.dmaLive, 0);
    samples.push({ phase, seq: e.seq, ts: e.ts ?? null, mappedBytes: mapped, liveDmaMappings: live });
  };
  let prev: IommuEvent | undefined;
  for (const e of events) {
    if (e.type === 'MarkerWritten') {
      sample(prev);
      phase = e.text;
    }
    s = evolve(s, e);
    prev = e;
  }
  sample(prev);
  return { samples, state: s };
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('import and replay two bundled real kernel captures and summarise them (what `npm start` runs)')
    .option('--json', 'one JSON object per capture')
    .action(
      act(async (opts: { json?: boolean }) => {
        let status = 0;
        for (const name of DEMO_CAPTURES) {
          const path = join(repoRoot(), 'fixtures', 'traces', name);
          const bar = progressBar(`importing ${name}`, !!opts.json);
          const r = await importTrace(path, { output: null, onProgress: (d, t, n) => bar.update(d, t, n) });
          bar.stop();
          const issue = importIssue(r.summary);
          if (issue) {
            warn(issue);
            status = 1;
          }
          const { samples, state } = phases(r.events!);
          const s = summarize(state);
          const sc = r.summary.score;
          const placement = state.pageTables.domains.entries().map(([, pt]) => placementOf(pt)).filter((p) => p !== null);
          if (opts.json) {
            printJson({ capture: name, kernel: r.summary.kernel, profile: r.summary.profile, ...s, phases: samples, placement, prediction: { maps: sc.maps, iovaExact: sc.exact, mapsCallerChosen: sc.callerChosenMaps } });
            continue;
          }
          printSummary(s, `${name}: Linux ${r.summary.kernel} (${r.summary.arch}), ${r.summary.lines} trace lines, profile ${r.summary.profile}`);
          println('  mapped bytes over time (all domains, at the end of each phase):');
          // the phase last and whole: marker texts are long, and cut they lose the device or size they name
          for (const l of table(samples.map((p) => [`#${p.seq}`, p.ts === null ? '-' : (p.ts / 1e9).toFixed(3) + ' s', bytes(p.mappedBytes), p.liveDmaMappings, p.phase]), ['event', 'time', 'mapped', 'live dma maps', 'phase']))
            println('    ' + l);
          println('  IOVA placement of the live mappings:');
          for (const l of table(placement.map((p) => [p.domain, hex(p.lowest), hex(p.highestEnd), bytes(p.mappedBytes), (p.density * 100).toFixed(1) + '%']), ['domain', 'lowest', 'highest end', 'mapped', 'density']))
            println('    ' + l);
          const rate = sc.maps ? ((100 * sc.exact) / sc.maps).toFixed(1) : '-';
          println(`  IOVA prediction: ${sc.exact} of ${sc.maps} kernel-chosen IOVAs predicted exactly (${rate}%), ${sc.callerChosenMaps} maps at caller-chosen IOVAs replayed as is`);
          println('');
        }
        println('next: ./bin/iommu-journal ui fixtures/traces/x86-q35-vtd-strict   (the time-travel page)');
        println('      ./bin/iommu-journal --help                               (import, trace verify, state, events, export, …)');
        return status;
      }),
    );
}
