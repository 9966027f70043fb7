// history INPUT (--iova R [--domain D] | --phys R | --device NAME | --domain D | --pasid N |
// --doorbell A) [--json]: every event that touched it, with its trace line, and its state after.
import { type Command } from 'commander';
import { type IommuEvent, InputError } from '../../domain-events/index.js';
import { HistoryIndex } from '../../replay/history-index.js';
import { describeSubject, history, type HistorySubject } from '../../replay/history.js';
import { type Timeline } from '../../replay/seek.js';
import { act } from '../act.js';
import { assumeFrom, type TraceFlagOptions, withTraceFlags } from '../trace-flags.js';
import { printJson, println } from '../output.js';
import { warnProblems } from '../problems.js';
import { parseAddress, parseIntArg, parseRange } from '../parse.js';
import { openTimeline } from '../timeline-source.js';

interface Opts extends TraceFlagOptions {
  iova?: string;
  phys?: string;
  device?: string;
  domain?: string;
  pasid?: string;
  doorbell?: string;
  limit: string;
  before?: string;
  json?: boolean;
}

function subjectOf(o: Opts): HistorySubject {
  const given = (['iova', 'phys', 'device', 'pasid', 'doorbell'] as const).filter((k) => o[k] !== undefined);
  if (given.length > 1) throw new InputError(`history: give one of --iova, --phys, --device, --pasid, --doorbell (got ${given.map((g) => '--' + g).join(' ')})`);
  const domain = o.domain === undefined ? null : parseIntArg(o.domain, '--domain');
  if (o.iova !== undefined) return { kind: 'iova', ...parseRange(o.iova, '--iova'), domain };
  if (domain !== null && given.length) throw new InputError('history: --domain narrows --iova only');
  if (o.phys !== undefined) return { kind: 'phys', ...parseRange(o.phys, '--phys') };
  if (o.device !== undefined) return { kind: 'device', name: o.device };
  if (o.pasid !== undefined) return { kind: 'pasid', id: parseIntArg(o.pasid, '--pasid') };
  if (o.doorbell !== undefined) return { kind: 'doorbell', addr: parseAddress(o.doorbell, '--doorbell') };
  if (domain !== null) return { kind: 'domain', id: domain };
  throw new InputError('history: say what to follow: --iova, --phys, --device, --domain, --pasid or --doorbell');
}

export function registerHistory(program: Command): void {
  withTraceFlags(
    program
      .command('history')
      .description('every event that touched an IOVA range, physical page, device, domain, PASID or doorbell, and its state after each')
      .argument('<input>', 'journal, JSONL events, or kernel trace'),
  )
    .option('--iova <range>', 'IOVA or range (0xA-0xB, 0xA+size); with --domain, in that domain only')
    .option('--phys <range>', 'physical address or range')
    .option('--device <name>', 'a device, e.g. 0000:00:04.0')
    .option('--domain <id>', 'a domain (alone), or the domain of --iova')
    .option('--pasid <n>', 'a PASID / IOASID')
    .option('--doorbell <addr>', 'an MSI doorbell (physical address)')
    .option('--before <seq>', 'only events up to SEQ (e.g. the fault a check reported)')
    .option('--limit <n>', 'the last N entries (the state after each still counts every earlier one)', '1000')
    .option('--json', 'one JSON object')
    .action(
      act(async (input: string, opts: Opts) => {
        const subject = subjectOf(opts);
        const limit = parseIntArg(opts.limit, '--limit', 1);
        const before = opts.before === undefined ? undefined : parseIntArg(opts.before, '--before');
        const { tl, close, problems } = await openTimeline(input, { quiet: !!opts.json, assume: assumeFrom(opts) });
        let entries;
        try {
          const ix = HistoryIndex.build(blocksOf(tl));
          entries = history(ix, subject, { limit, before });
        } finally {
          close();
        }
        warnProblems(problems);
        const status = problems.length ? 1 : 0;
        if (opts.json) {
          printJson({ subject: describeSubject(subject), entries });
          return status;
        }
        println(`${input}: history of ${describeSubject(subject)} (${entries.length} events)`);
        for (const h of entries) {
          println(`  #${h.seq}${h.line !== null ? ` ${h.src ?? input}:${h.line}` : ''}: ${h.summary}`);
          println(`      after: ${h.after}`);
        }
        return status;
      }),
    );
}

function* blocksOf(tl: Timeline): Generator<IommuEvent[]> {
  for (let a = 0; a < tl.total; a += 4096) yield [...tl.range(a, a + 4095)];
}
