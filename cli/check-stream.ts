// check without --explain: findings are printed as the checks report them, never collected, so
// memory stays bounded by the live state however many events go by (a 100 M-event journal
// streams through). The order is the checks' report order: event order, except that a report
// the checks can only make later (a leak at the end, a device whose doorbell never came) comes
// when it is known. --json still prints one object on one line, `{"events":N,"findings":[…]}`:
// N is read from the journal's record headers before the first finding is written.
import { CheckRunner, type CheckSelection, type Finding, selectChecks } from '../checks/index.js';
import { type IommuEvent, stringifyJson } from '../domain-events/index.js';
import { Timeline } from '../replay/index.js';
import { checkSummary, findingJson, findingText } from './finding-format.js';
import { type SkippedCheck, skippedLines } from './check-needs.js';
import { type EventSource } from './inputs.js';
import { warn } from './output.js';

/** bytes of output gathered before one write */
const FLUSH_AT = 1 << 16;

export function streamChecks(src: EventSource, sel: CheckSelection, input: string, json: boolean, skipped: readonly SkippedCheck[] = []): number {
  const defs = selectChecks(sel);
  // a journal answers the lines of related events the checks no longer remember, and its count
  const tl = src.journal !== undefined ? Timeline.open(src.journal, input) : null;
  let out = '';
  const write = (s: string): void => {
    out += s;
    if (out.length >= FLUSH_AT) flush();
  };
  const flush = (): void => {
    if (out.length) process.stdout.write(out);
    out = '';
  };
  const by = { error: 0, warning: 0, info: 0 };
  let first = true;
  const onFinding = (raw: Finding): void => {
    const f = tl === null ? raw : withLines(raw, tl);
    by[f.severity]++;
    if (json) {
      write((first ? '' : ',') + stringifyJson(findingJson(f)));
      first = false;
    } else for (const l of findingText(f, input)) write(l + '\n');
  };
  let events = 0;
  try {
    let blocks: Iterable<readonly IommuEvent[]> = src.blocks();
    if (json) {
      // the count goes first: from the journal's index, or from the events already in memory
      let total = tl?.total;
      if (total === undefined) {
        const all = [...blocks];
        blocks = all;
        total = all.reduce((n, b) => n + b.length, 0);
      }
      write(`{"events":${total},"findings":[`);
    }
    const runner = new CheckRunner(defs, onFinding);
    for (const b of blocks) {
      runner.feed(b);
      events += b.length;
    }
    runner.finish();
  } catch (err) {
    // what was printed stays a readable line: close it, naming the failure, then report it
    if (json) write(`],"error":${JSON.stringify(err instanceof Error ? err.message : String(err))}}\n`);
    flush();
    throw err;
  } finally {
    tl?.close();
    src.close();
  }
  if (json) write(`],"skipped":${stringifyJson(skipped)}}\n`);
  else {
    for (const l of skippedLines(skipped)) write(l + '\n');
    write(checkSummary(input, events, by) + '\n');
  }
  flush();
  for (const p of src.problems) warn(p);
  return by.error || src.problems.length ? 1 : 0;
}

/** Related events older than the checks' memory get their trace line from the journal. */
function withLines(f: Finding, tl: Timeline): Finding {
  if (!f.related.some((r) => r.line === null && r.seq >= 0 && r.seq <= tl.lastSeq)) return f;
  return {
    ...f,
    related: f.related.map((r) => {
      if (r.line !== null || r.seq < 0 || r.seq > tl.lastSeq) return r;
      const e = tl.eventAt(r.seq);
      return { seq: r.seq, line: e.line, src: e.src };
    }),
  };
}
