// The checks as a journal recorder's companion: they follow the events being recorded and, at
// every state checkpoint, store what they found and kept (a CheckPoint) in a checks record.
// Bisect reads those records back (checkPointOf) to find a check's first finding without
// replaying the journal.
import { type IommuEvent } from '../domain-events/index.js';
import { type CheckDef } from './check.js';
import { CHECKS } from './registry.js';
import { type CheckPoint, CheckRunner, type SeverityCounts } from './runner.js';

export interface CheckCompanion {
  feed(events: readonly IommuEvent[]): void;
  save(): Record<string, unknown>;
  /** the same checks as a module a journal writer's thread can run (replay's OffThreadCompanion) */
  readonly offThread?: { readonly module: string; onResult(result: unknown): void };
  /** findings reported so far, per severity */
  readonly totals: { error: number; warning: number; info: number };
}

export function checkCompanion(defs: readonly CheckDef[] = CHECKS): CheckCompanion {
  const totals = { error: 0, warning: 0, info: 0 };
  const runner = new CheckRunner(defs, (f) => void totals[f.severity]++);
  return {
    feed: (events) => runner.feed(events),
    save: () => runner.save({ forBisect: true }) as unknown as Record<string, unknown>,
    totals,
    // the registered checks can run in a journal writer's thread (companion-worker.ts); a list of
    // one's own cannot be sent there
    offThread:
      defs === CHECKS
        ? {
            // the module beside this one: .js when compiled, .ts when run from the sources (tests)
            module: new URL(`./companion-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).href,
            onResult: (r) => Object.assign(totals, (r as { totals: typeof totals }).totals),
          }
        : undefined,
  };
}

const isCounts = (v: unknown): v is SeverityCounts => Array.isArray(v) && v.length === 3 && v.every((n) => Number.isInteger(n) && n >= 0);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A checks record's data as a CheckPoint; null when it is not one (written by something else). */
export function checkPointOf(data: Record<string, unknown>): CheckPoint | null {
  const { versions, counts, lostAt, saved } = data;
  if (!isRecord(versions) || !isRecord(counts) || !isRecord(saved) || typeof lostAt !== 'number') return null;
  if (!Object.values(versions).every((v) => Number.isInteger(v)) || !Object.values(counts).every(isCounts)) return null;
  return { versions: versions as Record<string, number>, counts: counts as Record<string, SeverityCounts>, lostAt, saved };
}
