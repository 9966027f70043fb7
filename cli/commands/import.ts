// import TRACE -o FILE.journal: parse, attribute and record a kernel trace.
import { type Command } from 'commander';
import { checkCompanion } from '../../checks/index.js';
import { importTrace } from '../../ingest/importer.js';
import { act } from '../act.js';
import { printJson, println, warn } from '../output.js';
import { importIssue } from '../../ingest/import-status.js';
import { warnProblems } from '../problems.js';
import { parseIntArg } from '../parse.js';
import { progressBar } from '../progress.js';
import { checkTraceInput } from '../trace-input.js';
import { forceOption } from '../output-file.js';
import { assumeFrom, type TraceFlagOptions, warnFacts, withTraceFlags } from '../trace-flags.js';
import { exitFor, importSummaryLines } from '../print-import.js';

export function registerImport(program: Command): void {
  const cmd = withTraceFlags(
    program
      .command('import')
      .description('import a kernel trace (tracefs trace text, trace-cmd report text, trace-cmd trace.dat v6/v7, or a capture folder; gzip ok) into a journal')
      .argument('<trace>', 'trace file or capture folder'),
  ).requiredOption('-o, --output <file>', 'journal to write');
  forceOption(cmd, 'journal')
    .option('--checkpoint-every <n>', 'events between full state checkpoints (a delta checkpoint every n/4 between them when n >= 4096)', '4096')
    .option('--no-checks', 'do not run the fault checks while recording (bisect --check then scans the journal)')
    .option('--json', 'one JSON object with the import summary')
    .action(
      act(async (trace: string, opts: { output: string; force?: boolean; checkpointEvery: string; checks: boolean; json?: boolean } & TraceFlagOptions) => {
        checkTraceInput(trace);
        const assume = assumeFrom(opts);
        const checkpointEvery = parseIntArg(opts.checkpointEvery, '--checkpoint-every', 16);
        const bar = progressBar(`importing ${trace}`, !!opts.json);
        // the checks' counts and indices beside every checkpoint: bisect --check probes them
        const companion = opts.checks ? checkCompanion() : undefined;
        let r;
        try {
          r = await importTrace(trace, { output: opts.output, force: opts.force, checkpointEvery, onProgress: (d, t, n) => bar.update(d, t, n), companion, assume });
        } finally {
          bar.stop();
        }
        const s = r.summary;
        warnProblems(s.problems);
        warnFacts(s);
        const issue = importIssue(s);
        if (issue) warn(issue);
        const status = issue ? 1 : exitFor(s);
        if (opts.json) {
          printJson({
            trace: s.trace,
            journal: opts.output,
            kernel: s.kernel,
            arch: s.arch,
            profile: s.profile,
            assumed: s.assumed,
            unknown: s.unknown,
            facts: s.facts,
            events: s.events,
            lines: s.lines,
            parseErrors: s.parseErrors,
            unknownEvents: s.unknownEvents,
            attribution: s.attribution,
            counters: s.counters,
            findings: companion ? { ...companion.totals } : null,
          });
          return status;
        }
        println(s.header.source === 'trace.dat' ? `${opts.output}: ${s.events} events from ${s.counters.events.count} records of ${s.trace} (trace.dat v${s.header.fileVersion})` : `${opts.output}: ${s.events} events from ${s.lines} lines of ${s.trace}`);
        println(`  kernel ${s.kernel ?? 'unknown'} (${s.arch ?? 'unknown arch'}), profile ${s.profile}`);
        for (const l of importSummaryLines(s)) println(`  ${l}`);
        if (companion) {
          const t = companion.totals;
          println(`  fault checks while recording: ${t.error} error${t.error === 1 ? '' : 's'}, ${t.warning} warning${t.warning === 1 ? '' : 's'}, ${t.info} info${t.error + t.warning + t.info ? ` (\`check ${opts.output}\` lists them)` : ''}`);
        }
        return status;
      }),
    );
}
