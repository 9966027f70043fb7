// trace verify CAPTURE: re-decide every DMA operation the trace implies with the capture's
// profile and compare the IOVA the model predicts with the one the kernel printed.
import { type Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../../domain-events/index.js';
import { crossCheck } from '../../ingest/hw/crosscheck.js';
import { readQemuLog } from '../../ingest/hw/qemu-log.js';
import { type ImportResult, importTrace } from '../../ingest/importer.js';
import { act } from '../act.js';
import { printJson, println, table, warn } from '../output.js';
import { importIssue } from '../../ingest/import-status.js';
import { warnProblems } from '../problems.js';
import { progressBar } from '../progress.js';
import { checkTraceInput } from '../trace-input.js';
import { assumeFrom, type TraceFlagOptions, warnFacts, withTraceFlags } from '../trace-flags.js';
import { type AssumeFlags } from '../../ingest/facts/index.js';
import { droppedShare } from '../../ingest/attribute/stats.js';
import { MAX_DROPPED_SHARE } from '../print-import.js';

/** Imports a trace in memory (no journal) with a progress bar on a terminal. */
async function importInMemory(input: string, label: string, quiet: boolean, assume: AssumeFlags, keepEvents = true, blind = false): Promise<ImportResult> {
  checkTraceInput(input);
  const bar = progressBar(label, quiet);
  let r: ImportResult;
  try {
    r = await importTrace(input, { output: null, keepEvents, blind, onProgress: (d, t, n) => bar.update(d, t, n), assume });
  } finally {
    bar.stop();
  }
  warnFacts(r.summary);
  return r;
}

export function registerTrace(program: Command): void {
  const trace = program.command('trace').description('work on kernel traces');
  withTraceFlags(
    trace
      .command('verify')
      .description('predict the IOVA of every kernel-chosen map with the matching profile and compare with the trace')
      .argument('<captures...>', 'capture folders or trace files'),
  )
    .option('--json', 'one JSON object per capture')
    .option('--mispredictions <n>', 'how many mispredictions to list', '10')
    .option('--blind', 'hide the dma:* events from attribution, attribute as for a 6.1 trace, then score the placements against them')
    .action(
      act(async (inputs: string[], opts: { json?: boolean; mispredictions: string; blind?: boolean } & TraceFlagOptions) => {
        const assume = assumeFrom(opts);
        const n = Math.max(0, Number.parseInt(opts.mispredictions, 10) || 0);
        const rows: (string | number)[][] = [];
        let worst = 0;
        for (const input of inputs) {
          // only the score is needed: the events are folded, not kept (a trace of any size)
          const r = await importInMemory(input, `verifying ${input}`, !!opts.json, assume, false, !!opts.blind);
          const s = r.summary;
          const sc = s.score;
          const a = s.attribution;
          const out = {
            trace: s.trace,
            kernel: s.kernel,
            profile: s.profile,
            events: s.events,
            parseErrors: s.parseErrors,
            unknownEvents: s.unknownEvents,
            // kernel-chosen maps, one guess each
            maps: sc.maps,
            mapLines: a.mapLines,
            mapsAttributed: a.mapsAttributed,
            iovaExact: sc.exact,
            mapsByAllocatorOnly: sc.byAllocatorOnly,
            conflicts: a.conflicts,
            ambiguous: a.ambiguous,
            preTrace: a.preTrace,
            attributedBy: a.byHow,
            firstMispredictions: sc.first.slice(0, n),
            mispredictedBecause: sc.misses,
            // lazy maps entered as found, by where the model's most probable copy held the IOVA (docs/attribution.md)
            enteredAsFoundHeldIn: sc.foundIn,
            mapsCallerChosen: sc.callerChosenMaps,
            // facts nothing stated (docs/bare-traces.md)
            assumed: s.assumed,
            unknown: s.unknown,
            facts: s.facts,
            ...(s.blind ?? {}),
          };
          if (s.parseErrors || out.conflicts || importIssue(s) || droppedShare(a) > MAX_DROPPED_SHARE) worst = 1;
          if (opts.json) {
            printJson(out);
            continue;
          }
          warnProblems(s.problems);
          const rate = sc.maps ? ((100 * sc.exact) / sc.maps).toFixed(1) + '%' : '-';
          const blind = s.blind ? (s.blind.blindMaps ? ((100 * s.blind.blindCorrect) / s.blind.blindMaps).toFixed(1) + '%' : '-') : '';
          rows.push([input, s.kernel ?? '?', s.profile, s.events, s.parseErrors, sc.maps, sc.exact, rate, out.mapsCallerChosen, out.conflicts, a.ambiguous, ...(opts.blind ? [blind] : [])]);
          if (inputs.length === 1 && out.firstMispredictions.length) {
            println('first mispredictions:');
            for (const m of out.firstMispredictions) println(`  line ${m.line}: kernel chose ${m.expected}, model predicted ${m.predicted ?? 'nothing'} (${m.why})`);
          }
        }
        if (!opts.json) for (const l of table(rows, ['capture', 'kernel', 'profile', 'events', 'parse errors', 'maps', 'exact', 'rate', 'caller-chosen', 'conflicts', 'ambiguous', ...(opts.blind ? ['blind right'] : [])])) println(l);
        return worst;
      }),
    );

  withTraceFlags(
    trace
      .command('hwcheck')
      .description("compare the replayed mappings with the IOTLB fills in QEMU's own IOMMU trace (qemu_iommu_trace.log)")
      .argument('<capture>', 'capture folder (or its trace file)'),
  )
    .option('--log <file>', 'QEMU trace log (default: qemu_iommu_trace.log[.gz] beside the trace)')
    .option('--json', 'one JSON object')
    .action(
      act(async (input: string, opts: { log?: string; json?: boolean } & TraceFlagOptions) => {
        const r = await importInMemory(input, `importing ${input}`, !!opts.json, assumeFrom(opts));
        const folder = statSync(input).isDirectory() ? input : dirname(input);
        const log = opts.log ?? [join(folder, 'qemu_iommu_trace.log'), join(folder, 'qemu_iommu_trace.log.gz')].find((p) => existsSync(p));
        if (!log || !existsSync(log)) throw new InputError(`${input}: no qemu_iommu_trace.log(.gz) beside the trace (give one with --log)`);
        const q = await readQemuLog(log);
        if (q.fills.length === 0) throw new InputError(`${log}: no vtd_iotlb_page_update or smmu_ptw_page_pte lines (was the QEMU trace enabled for them?)`);
        const c = crossCheck([r.events!], q);
        // lines of the log or the trace that could not be read: done, but not everything was compared
        const issue = importIssue(r.summary);
        const status = q.unreadable || issue ? 1 : 0;
        if (opts.json) {
          printJson({ trace: r.summary.trace, log, ...c, invalidations: q.invalidations, unreadableLines: q.unreadable });
          return status;
        }
        if (issue) warn(issue);
        println(`${log}: ${c.fills} IOTLB fills, ${q.invalidations} invalidations`);
        println(`  ${c.agree} agree with a mapping the model replayed (${((100 * c.agree) / c.fills).toFixed(2)}%)`);
        println(`  ${c.wrongPhys} mapped to another physical page, ${c.unmapped} at IOVAs never mapped, ${c.unknownDevice} from unknown devices`);
        println(`  attribution: ${c.attribution}`);
        if (q.unreadable) println(`  ${q.unreadable} fill lines of the log could not be read (not counted)`);
        for (const d of c.firstDisagreements) println(`  qemu log line ${d.line}: iova ${d.iova} -> ${d.phys}: ${d.why}`);
        return status;
      }),
    );
}
