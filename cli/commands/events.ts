// events INPUT [filters]: list events by type, domain, device, address range or seq window.
import { type Command } from 'commander';
import { eventToJson, InputError, isEventType } from '../../domain-events/index.js';
import { IovaMatcher } from '../../replay/iova-query.js';
import { act } from '../act.js';
import { assumeFrom, type TraceFlagOptions, withTraceFlags } from '../trace-flags.js';
import { openSource } from '../inputs.js';
import { printJson, println, warn } from '../output.js';
import { formatEvent } from '../format-event.js';
import { parseIntArg, parseRange } from '../parse.js';

export function registerEvents(program: Command): void {
  withTraceFlags(
    program
      .command('events')
      .description('list events, filtered by type, domain, device, IOVA range or seq window')
      .argument('<input>', 'journal, JSONL events, or kernel trace'),
  )
    .option('--type <types>', 'comma-separated event types (e.g. Mapped,Unmapped)')
    .option('--domain <id>', 'only events of this domain')
    .option('--device <name>', 'only events naming this device')
    .option('--range <range>', 'only events touching this IOVA range (0xA-0xB, 0xA+size, or one address): what history --iova lists (with --domain, events of no known domain too)')
    .option('--from <seq>', 'first seq')
    .option('--to <seq>', 'last seq')
    .option('--limit <n>', 'stop after N matches')
    .option('--json', 'one JSON event per line')
    .action(
      act(async (input: string, o: { type?: string; domain?: string; device?: string; range?: string; from?: string; to?: string; limit?: string; json?: boolean } & TraceFlagOptions) => {
        const types = o.type ? new Set(o.type.split(',').map((t) => t.trim())) : null;
        for (const t of types ?? []) if (!isEventType(t)) throw new InputError(`--type: unknown event type ${JSON.stringify(t)}`);
        const domain = o.domain === undefined ? null : parseIntArg(o.domain, '--domain');
        const range = o.range === undefined ? null : parseRange(o.range, '--range');
        const from = o.from === undefined ? 0 : parseIntArg(o.from, '--from');
        const to = o.to === undefined ? Infinity : parseIntArg(o.to, '--to');
        const limit = o.limit === undefined ? Infinity : parseIntArg(o.limit, '--limit', 1);
        const src = await openSource(input, { quiet: !!o.json, assume: assumeFrom(o) });
        // --range (with --domain) is the question history --iova answers: the same matcher
        const matcher = range ? new IovaMatcher({ ...range, domain }) : null;
        let n = 0;
        try {
          outer: for (const b of src.blocks()) {
            for (const e of b) {
              // the matcher sees every event in order (it follows each domain's IOVA granule)
              const inRange = matcher === null || matcher.matches(e);
              if (e.seq < from) continue;
              if (e.seq > to) break outer;
              if (!inRange || (types && !types.has(e.type))) continue;
              const rec = e as unknown as Record<string, unknown>;
              if (matcher === null && domain !== null && rec.domain !== domain) continue;
              if (o.device !== undefined && rec.device !== o.device) continue;
              if (o.json) printJson(eventToJson(e));
              else println(formatEvent(e));
              if (++n >= limit) break outer;
            }
          }
        } finally {
          src.close();
        }
        for (const p of src.problems) warn(p);
        return src.problems.length ? 1 : 0;
      }),
    );
}
