// check INPUT [--json] [--only ids] [--disable ids] [--list]: run the fault checks over a
// journal, JSONL events or a kernel trace (imported on the fly) and print the findings as the
// checks report them: memory stays bounded however long the input (--explain excepted: it
// indexes the whole input to give each finding its address's history).
import { type Command } from 'commander';
import { type Finding, listChecks, runChecks } from '../../checks/index.js';
import { missingNeeds, skippedFor, skippedLines } from '../check-needs.js';
import { streamChecks } from '../check-stream.js';
import { checkSummary, findingJson, findingText } from '../finding-format.js';
import { InputError, isInputError } from '../../domain-events/index.js';
import { act } from '../act.js';
import { assumeFrom, type TraceFlagOptions, withTraceFlags } from '../trace-flags.js';
import { type EventSource, openSource } from '../inputs.js';
import { HistoryIndex } from '../../replay/history-index.js';
import { history, type HistoryEntry, type HistorySubject } from '../../replay/history.js';
import { parseIntArg } from '../parse.js';
import { printJson, println, table, warn } from '../output.js';
import { resolveLines } from '../resolve-lines.js';

function ids(v: string | undefined): string[] {
  return v === undefined ? [] : v.split(',').map((x) => x.trim()).filter(Boolean);
}

/** The history of each finding's address up to the finding, from one index over the source. */
function explainFindings(src: EventSource, findings: readonly Finding[], n: number): Map<Finding, HistoryEntry[]> {
  const ix = HistoryIndex.build(src.blocks());
  const out = new Map<Finding, HistoryEntry[]>();
  for (const f of findings) {
    if (f.address === null) continue;
    const subject: HistorySubject =
      f.addressSpace === 'pasid' ? { kind: 'pasid', id: Number(f.address) } : f.addressSpace === 'phys' ? { kind: 'phys', lo: f.address, hi: f.address + 1n } : { kind: 'iova', lo: f.address, hi: f.address + 1n, domain: f.domain };
    try {
      out.set(f, history(ix, subject, { before: f.seq, limit: n }));
    } catch (err) {
      // nothing indexed touched the address (a finding about a PASID the index has no event of)
      if (!isInputError(err)) throw err;
    }
  }
  return out;
}

export function registerCheck(program: Command): void {
  withTraceFlags(
    program
      .command('check')
      .description('run the fault checks (DMA-API debug rules, IOMMU consistency) and print the findings')
      .argument('[input]', 'journal, JSONL events, or kernel trace'),
  )
    .option('--only <ids>', 'comma-separated check ids or families to run (e.g. dma-api,iommu/unmap-hole)')
    .option('--disable <ids>', 'comma-separated check ids or families to turn off')
    .option('--list', 'list the checks and exit')
    .option('--explain [n]', 'with each finding, the last N events (default 5) that touched its address, and the state after each')
    .option('--json', 'one JSON object: {"events":N,"findings":[…],"skipped":[{id,reason,why}…]}')
    .action(
      act(async (input: string | undefined, opts: { only?: string; disable?: string; list?: boolean; json?: boolean; explain?: string | boolean } & TraceFlagOptions) => {
        if (opts.list) {
          const all = listChecks();
          if (opts.json) printJson({ checks: all });
          else for (const l of table(all.map((c) => [c.id, `v${c.version}`, c.severity, c.description]))) println(l);
          return 0;
        }
        if (input === undefined) throw new InputError('check: an input is required (journal, JSONL events or kernel trace), or --list');
        const asked = { only: ids(opts.only), disable: ids(opts.disable) };
        const src = await openSource(input, { quiet: !!opts.json, assume: assumeFrom(opts) });
        // a check that cannot judge without a fact the input lacks is skipped, and says so
        const sel = { ...asked, missing: missingNeeds(src) };
        const skipped = skippedFor(sel);
        const explainN = opts.explain === undefined || opts.explain === false ? 0 : opts.explain === true ? 5 : parseIntArg(opts.explain, '--explain', 1);
        if (explainN === 0) return streamChecks(src, sel, input, !!opts.json, skipped);
        let run;
        let histories: Map<Finding, HistoryEntry[]> = new Map();
        try {
          run = runChecks(src.blocks(), sel);
          run = { ...run, findings: resolveLines(src, run.findings) };
          if (run.findings.length) histories = explainFindings(src, run.findings, explainN);
        } finally {
          src.close();
        }
        for (const p of src.problems) warn(p);
        const errors = run.findings.filter((f) => f.severity === 'error').length;
        if (opts.json) {
          printJson({ events: run.events, findings: run.findings.map((f) => ({ ...findingJson(f), history: histories.get(f) ?? [] })), skipped });
          return errors || src.problems.length ? 1 : 0;
        }
        for (const l of skippedLines(skipped)) println(l);
        const by = { error: 0, warning: 0, info: 0 };
        for (const f of run.findings) {
          for (const l of findingText(f, input)) println(l);
          for (const h of histories.get(f) ?? []) println(`    history #${h.seq}${h.line !== null ? ` line ${h.line}` : ''}: ${h.summary} => ${h.after}`);
          by[f.severity]++;
        }
        println(checkSummary(input, run.events, by));
        return errors || src.problems.length ? 1 : 0;
      }),
    );
}
