// trace verify CAPTURE: re-decide every DMA operation the trace implies with the capture's
// profile and compare the IOVA the model predicts with the one the kernel printed.
import { type Command } from 'commander';
import { importTrace } from '../../ingest/importer.js';
import { act } from '../act.js';
import { printJson, println, table } from '../output.js';
import { warnProblems } from '../problems.js';
import { progressBar } from '../progress.js';
import { checkTraceInput } from '../trace-input.js';

export function registerTrace(program: Command): void {
  const trace = program.command('trace').description('work on kernel traces');
  trace
    .command('verify')
    .description('predict the IOVA of every kernel-chosen map with the matching profile and compare with the trace')
    .argument('<captures...>', 'capture folders or trace files')
    .option('--json', 'one JSON object per capture')
    .option('--mispredictions <n>', 'how many mispredictions to list', '10')
    .action(
      act(async (inputs: string[], opts: { json?: boolean; mispredictions: string }) => {
        const n = Math.max(0, Number.parseInt(opts.mispredictions, 10) || 0);
        const rows: (string | number)[][] = [];
        let worst = 0;
        for (const input of inputs) {
          checkTraceInput(input);
          const bar = progressBar(`verifying ${input}`, !!opts.json);
          let r;
          try {
            r = await importTrace(input, { output: null, onProgress: (d, t) => bar.update(d, t) });
          } finally {
            bar.stop();
          }
          const s = r.summary;
          const sc = s.score;
          const out = {
            trace: s.trace,
            kernel: s.kernel,
            profile: s.profile,
            events: s.events,
            parseErrors: s.parseErrors,
            unknownEvents: s.unknownEvents,
            maps: sc.maps,
            mapsAttributed: s.attribution.maps - s.attribution.unattributed,
            iovaExact: sc.exact,
            conflicts: s.attribution.conflicts,
            firstMispredictions: sc.first.slice(0, n),
            mapsCallerChosen: sc.callerChosenMaps,
          };
          if (s.parseErrors || out.conflicts) worst = 1;
          if (opts.json) {
            printJson(out);
            continue;
          }
          warnProblems(s.problems);
          const rate = sc.maps ? ((100 * sc.exact) / sc.maps).toFixed(1) + '%' : '-';
          rows.push([input, s.kernel ?? '?', s.profile, s.events, s.parseErrors, sc.maps, sc.exact, rate, out.mapsCallerChosen, out.conflicts]);
          if (inputs.length === 1 && out.firstMispredictions.length) {
            println('first mispredictions:');
            for (const m of out.firstMispredictions) println(`  line ${m.line}: kernel chose ${m.expected}, model predicted ${m.predicted ?? 'nothing'} (${m.why})`);
          }
        }
        if (!opts.json) for (const l of table(rows, ['capture', 'kernel', 'profile', 'events', 'parse errors', 'maps', 'exact', 'rate', 'caller-chosen', 'conflicts'])) println(l);
        return worst;
      }),
    );
}
