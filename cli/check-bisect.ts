// bisect --check: the first finding of the selected checks. With the journal's checks records
// (the checks ran while it was recorded), O(log n) record probes and one segment replay resumed
// at a checkpoint; without them, a scan from the first event that stops at the first finding.
import { type CheckDef, CheckRunner, checkPointOf, type Finding, firstFinding, type Severity } from '../checks/index.js';
import { type IommuEvent } from '../domain-events/index.js';
import { bisectRecorded, bisectScan, type BisectOutcome, type SegmentStart, type Timeline } from '../replay/index.js';

const SEVERITY_INDEX: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
/** events fed between two looks for the first finding */
const SEGMENT_CHUNK = 4096;

export interface CheckBisect {
  readonly outcome: BisectOutcome;
  readonly finding: Finding | null;
}

export function bisectChecks(tl: Timeline, defs: readonly CheckDef[], severities: readonly Severity[]): CheckBisect {
  const want = new Set(severities);
  let finding: Finding | null = null;
  const fired = (data: Record<string, unknown>): boolean | string => {
    const p = checkPointOf(data);
    if (p === null) return 'a checks record does not hold the counts this build reads';
    let n = 0;
    for (const d of defs) {
      if (p.versions[d.id] !== d.version) return 'the checks records were written by other versions of the selected checks';
      const c = p.counts[d.id];
      if (c) for (const s of want) n += c[SEVERITY_INDEX[s]];
    }
    return n > 0;
  };
  const segment = (start: SegmentStart, end: number): { seq: number | null; events: number } => {
    const point = start.data === null ? null : checkPointOf(start.data);
    const onFinding = (f: Finding): void => {
      if (finding === null && want.has(f.severity)) finding = f;
    };
    const lookup = (seq: number): IommuEvent | undefined => (seq >= 0 && seq < start.applied ? tl.eventAt(seq) : undefined);
    const runner = new CheckRunner(defs, onFinding, point === null ? { state: start.state } : { state: start.state, point, lookup });
    let read = 0;
    for (let a = start.applied; a < end && finding === null; a += SEGMENT_CHUNK) {
      const chunk = [...tl.range(a, Math.min(end, a + SEGMENT_CHUNK) - 1)];
      runner.feed(chunk);
      read += chunk.length;
    }
    // past the last record: what the checks still hold at the end (leaks) counts too
    if (finding === null && end === tl.total) runner.finish();
    return { seq: (finding as Finding | null)?.seq ?? null, events: read };
  };
  const rec = bisectRecorded(tl, fired, segment);
  if ('method' in rec) return { outcome: rec, finding };
  finding = null;
  const scan = bisectScan(tl, (blocks) => {
    finding = firstFinding(blocks, { only: defs.map((d) => d.id), severity: [...want] });
    return (finding as Finding | null)?.seq ?? null;
  });
  return { outcome: { ...scan, scanReason: rec.scanReason }, finding };
}
