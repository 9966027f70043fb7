// bisect INPUT [--check ID | --where PREDICATE] [--json]: the first event at which a check
// reports (any check's first error by default), or after which a state predicate holds.
import { type Command } from 'commander';
import { type Finding, selectChecks } from '../../checks/index.js';
import { InputError } from '../../domain-events/index.js';
import { bisectState, type BisectOutcome } from '../../replay/bisect.js';
import { parsePredicate } from '../../replay/predicate.js';
import { act } from '../act.js';
import { assumeFrom, type TraceFlagOptions, withTraceFlags } from '../trace-flags.js';
import { bisectChecks } from '../check-bisect.js';
import { missingNeeds, skippedFor, skippedLines, skippedText } from '../check-needs.js';
import { printJson, println, warn } from '../output.js';
import { warnProblems } from '../problems.js';
import { openTimeline } from '../timeline-source.js';

export function registerBisect(program: Command): void {
  withTraceFlags(
    program
      .command('bisect')
      .description('find the first event at which a check fails (default: any check reports an error) or a state predicate becomes true')
      .argument('<input>', 'journal, JSONL events, or kernel trace'),
  )
    .option('--check <id>', 'a check id or family (its findings of any severity count)')
    .option('--where <predicate>', 'a predicate on the state, e.g. "mapped 0xfee00000 in 3", "pages 2 > 100", "freed 4" (joined by && / ||)')
    .option('--json', 'one JSON object: {"firstFailingSeq":S,"line":L,"check":id}')
    .action(
      act(async (input: string, opts: { check?: string; where?: string; json?: boolean } & TraceFlagOptions) => {
        if (opts.check !== undefined && opts.where !== undefined) throw new InputError('bisect: give --check or --where, not both');
        const pred = opts.where !== undefined ? parsePredicate(opts.where) : null;
        // unknown id: fail before importing
        const asked = opts.check !== undefined ? { only: [opts.check] } : {};
        // unknown id: fail before importing
        if (pred === null) selectChecks(asked);
        const t0 = performance.now();
        const { tl, src, close, problems } = await openTimeline(input, { quiet: !!opts.json, checks: pred === null, assume: assumeFrom(opts) });
        // a check that cannot judge without a fact the input lacks is skipped, and says so
        const sel = { ...asked, missing: missingNeeds(src) };
        const defs = pred === null ? selectChecks(sel) : [];
        if (pred === null) {
          const skipped = skippedFor(sel);
          if (defs.length === 0 && skipped.length) {
            close();
            throw new InputError(`${input}: ${skipped.map(skippedText).join('; ')}`);
          }
          for (const l of skippedLines(skipped)) warn(l);
        }
        let out: BisectOutcome;
        const found: { finding: Finding | null } = { finding: null };
        let line: number | null = null;
        try {
          if (pred !== null) out = bisectState(tl, pred);
          else {
            // with --check, its findings of any severity count; otherwise the first error of any check
            const r = bisectChecks(tl, defs, opts.check !== undefined ? ['error', 'warning', 'info'] : ['error']);
            out = r.outcome;
            found.finding = r.finding;
          }
          if (out.firstFailingSeq !== null && out.firstFailingSeq >= 0) line = tl.eventAt(out.firstFailingSeq).line;
        } finally {
          close();
        }
        warnProblems(problems);
        // found: the check fails (or the predicate holds) from some event on, as `check` exits 1 on an error
        const status = problems.length || out.firstFailingSeq !== null ? 1 : 0;
        const f = found.finding;
        const ms = Math.round(performance.now() - t0);
        const check = pred !== null ? null : (f?.check ?? opts.check ?? null);
        if (opts.json) {
          printJson({ firstFailingSeq: out.firstFailingSeq, line, check, method: out.method, probes: out.probes, eventsReplayed: out.eventsReplayed, message: f?.message ?? null, ms, ...(out.scanReason ? { scanReason: out.scanReason } : {}) });
          return status;
        }
        if (out.firstFailingSeq === null) println(`${input}: ${pred !== null ? `"${opts.where}" does not hold after the last event` : `no ${opts.check ?? 'error'} finding`} (${out.method}, ${out.probes} probes, ${out.eventsReplayed} events replayed)`);
        else if (out.firstFailingSeq === -1) println(`${input}: "${opts.where}" holds before the first event`);
        else {
          println(`${input}: first failing event #${out.firstFailingSeq}${line !== null ? ` (line ${line})` : ''}${check ? ` [${check}]` : ''}`);
          if (f) println(`  ${f.message}`);
          println(`  ${out.method}: ${out.probes} checkpoint probes, ${out.eventsReplayed} events replayed, ${ms} ms`);
        }
        if (out.scanReason) println(`  (scanned: ${out.scanReason})`);
        return status;
      }),
    );
}
