// Fault checks over the event stream: DMA-API debug rules (kernel/dma/debug.c) and IOMMU-level
// consistency, each an RxJS operator, each versioned and switchable.
import { filter, from, map, type OperatorFunction, take } from 'rxjs';
import { type IommuEvent, InputError } from '../domain-events/index.js';
import { type CheckDef, type CheckInput, type CheckNeed } from './check.js';
import { type CheckRun, type Finding, type Severity } from './finding.js';
import { checksOperator } from './operator.js';
import { CHECKS } from './registry.js';

export * from './finding.js';
export type { Check, CheckDef, CheckInput, CheckInstance, CheckNeed, Emit, Report } from './check.js';
export { CHECKS } from './registry.js';
export { defineCheck } from './define.js';
export { checksOperator } from './operator.js';
export { ref } from './check.js';
export { Shadow } from './shadow.js';
export { CheckRunner, type CheckPoint, type ResumeFrom, type SeverityCounts } from './runner.js';
export { checkCompanion, checkPointOf, type CheckCompanion } from './companion.js';

export interface CheckSelection {
  readonly disable?: readonly string[];
  readonly only?: readonly string[];
  /** facts the input lacks: the checks that need one are skipped (skippedChecks says which) */
  readonly missing?: ReadonlySet<CheckNeed>;
}

export function listChecks(): { id: string; version: number; severity: Severity; description: string }[] {
  return CHECKS.map((c) => ({ id: c.id, version: c.version, severity: c.severity, description: c.description }));
}

/** A check id or a family prefix ("dma-api", "dma-api/*"); unknown ones are an InputError. */
function matching(pattern: string): CheckDef[] {
  const p = pattern.trim().replace(/\/\*$/, '');
  const hit = CHECKS.filter((c) => c.id === p || c.id.startsWith(p + '/'));
  if (hit.length === 0) throw new InputError(`unknown check ${JSON.stringify(pattern)} (known: ${CHECKS.map((c) => c.id).join(', ')})`);
  return hit;
}

/** The checks asked for by --only / --disable, before the facts the input lacks are looked at. */
function askedFor(opts: CheckSelection): CheckDef[] {
  let chosen: CheckDef[] = opts.only && opts.only.length ? [...new Set(opts.only.flatMap(matching))] : [...CHECKS];
  if (opts.disable && opts.disable.length) {
    const off = new Set(opts.disable.flatMap(matching));
    chosen = chosen.filter((c) => !off.has(c));
  }
  return CHECKS.filter((c) => chosen.includes(c));
}

/** The first fact the check needs that the input lacks. */
function lacking(c: CheckDef, missing: ReadonlySet<CheckNeed> | undefined): CheckNeed | undefined {
  return missing === undefined ? undefined : c.needs?.find((n) => missing.has(n));
}

export function selectChecks(opts: CheckSelection = {}): CheckDef[] {
  return askedFor(opts).filter((c) => lacking(c, opts.missing) === undefined);
}

/** The checks asked for that cannot run, each with the first fact it lacks. */
export function skippedChecks(opts: CheckSelection = {}): { id: string; needs: CheckNeed }[] {
  return askedFor(opts).flatMap((c) => {
    const n = lacking(c, opts.missing);
    return n === undefined ? [] : [{ id: c.id, needs: n }];
  });
}

/** The selected checks as one operator: batches (EventBatch or bare `{events}`) in, findings out. */
export function checkOperator(opts: CheckSelection = {}): OperatorFunction<CheckInput, Finding> {
  return checksOperator(selectChecks(opts));
}

/** Runs the checks over blocks of events; findings in event order. */
export function runChecks(blocks: Iterable<readonly IommuEvent[]>, opts: CheckSelection = {}): CheckRun {
  const findings: Finding[] = [];
  let events = 0;
  let failure: { err: unknown } | null = null;
  from(blocks)
    .pipe(
      map((b): CheckInput => {
        events += b.length;
        return { events: b };
      }),
      checkOperator(opts),
    )
    .subscribe({
      next: (f) => void findings.push(f),
      error: (err) => void (failure = { err }),
    });
  if (failure !== null) throw (failure as { err: unknown }).err;
  findings.sort((a, b) => a.seq - b.seq);
  return { events, findings };
}

/**
 * The first finding (of the selected checks; of error severity unless `severity` says
 * otherwise), reading no further than it. End-of-stream findings are not waited for.
 */
export function firstFinding(blocks: Iterable<readonly IommuEvent[]>, opts: CheckSelection & { severity?: readonly Severity[] } = {}): Finding | null {
  const want = new Set(opts.severity ?? ['error']);
  let hit: Finding | null = null;
  from(blocks)
    .pipe(
      map((b): CheckInput => ({ events: b })),
      checkOperator(opts),
      filter((f) => want.has(f.severity)),
      take(1),
    )
    .subscribe({ next: (f) => void (hit = f) });
  return hit;
}
