// state INPUT [--at SEQ] [--domain N]: the state after event SEQ (default: the end), with every
// projection of one domain on request.
import { type Command } from 'commander';
import { type IommuEvent, InputError } from '../../domain-events/index.js';
import { doorbellViews, iovaRanges, iovaTreeView, leavesIn, pageTableView, pasidView, summarize } from '../../projections/index.js';
import { evolveBatch, initialState, type State } from '../../reducers/index.js';
import { act } from '../act.js';
import { assumeFrom, type TraceFlagOptions, withTraceFlags } from '../trace-flags.js';
import { openSource } from '../inputs.js';
import { bytes, hex, printJson, println, table, warn } from '../output.js';
import { parseIntArg } from '../parse.js';
import { parseTraceTime } from '../../replay/seek.js';
import { requireDomain } from '../../replay/domain-lookup.js';
import { openTimeline } from '../timeline-source.js';
import { printSummary } from '../print-summary.js';

export function stateAt(blocks: Iterable<readonly IommuEvent[]>, at: number | null): { state: State; reached: number } {
  let s = initialState();
  let last = -1;
  for (const b of blocks) {
    if (at !== null && b.length && b[0].seq > at) break;
    const part = at === null ? b : b.filter((e) => e.seq <= at);
    s = evolveBatch(s, part);
    if (part.length) last = part[part.length - 1].seq;
    if (at !== null && last >= at) break;
  }
  return { state: s, reached: last };
}

export function registerState(program: Command): void {
  withTraceFlags(
    program
      .command('state')
      .description('the state after an event (default: the last), with the projections of one domain')
      .argument('<input>', 'journal, JSONL events, or kernel trace'),
  )
    .option('--at <seq>', 'state right after event SEQ (seeks from the nearest checkpoint)')
    .option('--at-time <seconds>', 'state at trace time SECONDS (e.g. 4.172275): after the last event at or before it')
    .option('--domain <id>', 'page-table, IOVA-tree and doorbell views of this domain')
    .option('--limit <n>', 'at most N leaves / ranges per view', '50')
    .option('--json', 'one JSON object')
    .action(
      act(async (input: string, opts: { at?: string; atTime?: string; domain?: string; limit: string; json?: boolean } & TraceFlagOptions) => {
        if (opts.at !== undefined && opts.atTime !== undefined) throw new InputError('state: give --at or --at-time, not both');
        const at = opts.at === undefined ? null : parseIntArg(opts.at, '--at');
        const atNs = opts.atTime === undefined ? null : parseTraceTime(opts.atTime);
        const limit = parseIntArg(opts.limit, '--limit', 1);
        let r: { state: State; reached: number };
        let problems: readonly string[];
        if (at !== null || atNs !== null) {
          // time travel: from the journal's nearest checkpoint, not from the first event
          const t = await openTimeline(input, { quiet: !!opts.json, assume: assumeFrom(opts) });
          try {
            let seq = at;
            if (seq === null) {
              const found = t.tl.seekTime(atNs!);
              if (found.note) warn(found.note);
              seq = found.seq;
            }
            r = { state: t.tl.stateAt(seq), reached: seq };
          } finally {
            t.close();
          }
          problems = t.problems;
        } else {
          const src = await openSource(input, { quiet: !!opts.json, assume: assumeFrom(opts) });
          try {
            r = stateAt(src.blocks(), at);
          } finally {
            src.close();
          }
          problems = src.problems;
        }
        for (const p of problems) warn(p);
        const status = problems.length ? 1 : 0;
        const s = r.state;
        if (opts.domain === undefined) {
          const summary = summarize(s);
          if (opts.json) printJson({ input, at: r.reached, ...summary, pasidView: pasidView(s, limit) });
          else printSummary(summary, r.reached < 0 ? `${input}: state before the first event` : `${input}: state after event #${r.reached}`);
          return status;
        }
        const id = parseIntArg(opts.domain, '--domain');
        const pt = s.pageTables.domains.get(id);
        const iov = s.iova.domains.get(id);
        requireDomain(s, id, r.reached);
        const view = {
          input,
          at: r.reached,
          domain: id,
          info: s.topology.domains[id] ?? null,
          pageTable: pt ? { ...pageTableView(pt), leaves: leavesIn(pt, 0n, (1n << 64n) - 1n, limit) } : null,
          iovaTree: iov ? { ...iovaTreeView(iov), ranges: iovaRanges(iov, 0, Number.MAX_SAFE_INTEGER, limit) } : null,
          doorbells: doorbellViews(s).filter((d) => d.domain === id),
        };
        if (opts.json) {
          printJson(view);
          return status;
        }
        println(`${input}: domain ${id} after event #${r.reached}${view.info ? ` (${view.info.type}, ${view.info.fmt})` : ''}`);
        if (view.pageTable) {
          const p = view.pageTable;
          println(`  page table: ${bytes(p.mappedBytes)} mapped in ${p.runs} runs, peak ${bytes(p.peakBytes)}, ${p.tablePages} table pages${p.tablePagesReported ? '' : ' (estimated)'}`);
          for (const l of table(
            p.leaves.map((x) => [hex(x.iova), hex(x.paddr), bytes(x.pgsize), x.count, bytes(x.size), x.prot ?? '-', `#${x.seq}`]),
            ['iova', 'paddr', 'leaf', 'count', 'size', 'prot', 'mapped by'],
          ))
            println('    ' + l);
        }
        if (view.iovaTree) {
          const t = view.iovaTree;
          println(`  iova tree: ${t.nodes} nodes (${t.allocatedPfns} pfns allocated, ${t.reservedPfns} reserved, ${t.cachedPfns} in rcaches), fragmentation below 4G ${t.fragmentationBelow4G.toFixed(3)}`);
          for (const x of t.ranges) println(`    [${hex(x.pfnLo)}, ${hex(x.pfnHi)}] ${x.kind}${x.reason ? ` (${x.reason})` : ''}`);
        }
        for (const d of view.doorbells) for (const b of d.doorbells) println(`  doorbell ${hex(b.doorbell)} -> ${hex(b.iova)} (${d.cookie} cookie)`);
        return status;
      }),
    );
}
