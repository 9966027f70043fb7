// diff A B: where two runs (journals or traces, in any mix) first diverge, and how their totals
// differ. Exit status as diff(1): 0 same, 1 different (a divergence, or totals apart).
import { type Command } from 'commander';
import { diffWithFindings } from '../diff-findings.js';
import { type DiffReport } from '../../replay/diff-report.js';
import { act } from '../act.js';
import { assumeFrom, type TraceFlagOptions, withTraceFlags } from '../trace-flags.js';
import { type EventSource, openSource } from '../inputs.js';
import { printJson, println, table, warn } from '../output.js';

function runLine(tag: string, r: DiffReport['a']): string {
  return `${tag}: ${r.input}${r.profile ? ` (profile ${r.profile})` : ''}, ${r.events} events`;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

function printReport(r: DiffReport): void {
  println(runLine('A', r.a));
  println(runLine('B', r.b));
  const d = r.firstDivergence;
  if (!r.related) println(d?.what ?? 'unrelated runs');
  else if (!d) println('no divergence: every aligned operation had the same outcome');
  else {
    println(`first divergence${d.step && d.step !== '(start)' ? ` in step "${d.step}"` : ''}: ${d.what}`);
    println(`  A ${d.eventA ?? '(no matching operation)'}`);
    println(`  B ${d.eventB ?? '(no matching operation)'}`);
  }
  const al = r.alignment;
  if (al && r.related) {
    println(`aligned ${al.compared} operations in ${al.sharedSteps} shared steps: ${al.differing} with different outcomes, ${al.onlyA} only in A, ${al.onlyB} only in B`);
    const by = Object.entries(al.differingBy ?? {}).sort((x, y) => y[1] - x[1]);
    if (by.length) println(`  what differs: ${by.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  println('totals:');
  const shown = Object.entries(r.deltas).filter(([, x]) => x.a !== 0 || x.b !== 0);
  const rows = shown.map(([k, x]) => ['  ' + k, fmt(x.a), fmt(x.b), x.delta === 0 ? '' : (x.delta > 0 ? '+' : '') + fmt(x.delta)]);
  for (const l of table(rows, ['', 'A', 'B', 'B-A'])) println(l);
  const zero = Object.keys(r.deltas).length - shown.length;
  if (zero) println(`  (${zero} totals zero in both runs not shown; --json has them all)`);
}

export function registerDiff(program: Command): void {
  withTraceFlags(
    program
      .command('diff')
      .description('compare two runs (journals, traces, or one of each): first divergence and per-projection totals')
      .argument('<a>', 'journal, JSONL events, or kernel trace')
      .argument('<b>', 'journal, JSONL events, or kernel trace'),
  )
    .option('--json', 'one JSON object: {a, b, related, firstDivergence, alignment, deltas}')
    .action(
      act(async (a: string, b: string, opts: { json?: boolean } & TraceFlagOptions) => {
        const quiet = !!opts.json;
        const sa: EventSource = await openSource(a, { quiet, assume: assumeFrom(opts) });
        let sb: EventSource | null = null;
        let report: DiffReport;
        try {
          sb = await openSource(b, { quiet, assume: assumeFrom(opts) });
          const bSrc = sb;
          report = diffWithFindings({ input: a, profile: sa.profile, blocks: () => sa.blocks() }, { input: b, profile: bSrc.profile, blocks: () => bSrc.blocks() });
        } finally {
          sa.close();
          sb?.close();
        }
        const problems = [...sa.problems, ...(sb?.problems ?? [])];
        for (const p of problems) warn(p);
        if (opts.json) printJson(report);
        else printReport(report);
        // as diff(1): 1 when the runs differ (a divergence, runs that share nothing to align, or totals apart)
        const differ = report.firstDivergence !== null || !report.related || Object.values(report.deltas).some((d) => d.delta !== 0);
        return differ || problems.length ? 1 : 0;
      }),
    );
}
