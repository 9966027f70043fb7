// replay INPUT: fold every event into state and say what the end state looks like.
import { type Command } from 'commander';
import { summarize } from '../../projections/index.js';
import { replayBlocks } from '../../replay/index.js';
import { act } from '../act.js';
import { assumeFrom, type TraceFlagOptions, withTraceFlags } from '../trace-flags.js';
import { openSource } from '../inputs.js';
import { printJson, println, warn } from '../output.js';
import { printSummary } from '../print-summary.js';

export function registerReplay(program: Command): void {
  withTraceFlags(
    program
      .command('replay')
      .description('replay a journal (or a trace / JSONL file) and summarise the final state')
      .argument('<input>', 'journal, JSONL events, or kernel trace'),
  )
    .option('--json', 'print the summary as one JSON object')
    .action(
      act(async (input: string, opts: { json?: boolean } & TraceFlagOptions) => {
        const src = await openSource(input, { quiet: !!opts.json, assume: assumeFrom(opts) });
        const t0 = performance.now();
        let state;
        try {
          state = replayBlocks(src.blocks());
        } finally {
          src.close();
        }
        const ms = performance.now() - t0;
        for (const p of src.problems) warn(p);
        const summary = summarize(state);
        // what the import of the trace assumed travels with its journal
        const assumed = src.assumed ? { assumed: src.assumed } : {};
        if (opts.json) printJson({ input, kind: src.kind, profile: src.profile, ...assumed, replayMs: Math.round(ms), ...summary });
        else {
          printSummary(summary, `${input} (${src.kind}${src.profile ? `, profile ${src.profile}` : ''}), replayed in ${ms.toFixed(0)} ms`);
          for (const a of src.assumed ?? []) println(`  assumed at import: ${a}`);
        }
        return src.problems.length ? 1 : 0;
      }),
    );
}
