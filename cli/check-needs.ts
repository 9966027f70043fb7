// Which facts an input lacks, from what the import of its trace decided (journal metadata
// `facts`), and how a check skipped for one says so: "skipped: needs --arch".
import { type CheckNeed, type CheckSelection, skippedChecks } from '../checks/index.js';
import { type EventSource } from './inputs.js';

/** the flag (or input) that would supply a fact, and why the check cannot do without it */
export const NEED_REASONS: Readonly<Record<CheckNeed, { readonly reason: string; readonly why: string }>> = {
  arch: { reason: 'needs --arch', why: 'the trace does not show the architecture, so whether MSIs go through doorbell mappings is unknown' },
  'reserved-regions': { reason: 'needs --arch (or --groups FILE)', why: "the trace does not show the architecture and no sysfs listing gives the groups' reserved regions" },
  'dma-events': { reason: 'needs dma:* events', why: 'the trace has none; they exist from Linux 6.12 and are recorded with -e dma' },
};

/** Facts an input lacks; none for an input whose events the model made (no import facts). */
export function missingNeeds(src: Pick<EventSource, 'facts'>): Set<CheckNeed> {
  const f = src.facts;
  const out = new Set<CheckNeed>();
  if (f === undefined) return out;
  if (f.arch?.how === 'unknown') out.add('arch');
  if (f.reservedRegions?.how === 'unknown') out.add('reserved-regions');
  if (f.dmaEvents?.value === false) out.add('dma-events');
  return out;
}

export interface SkippedCheck {
  readonly id: string;
  /** "needs --arch" */
  readonly reason: string;
  readonly why: string;
}

export function skippedFor(sel: CheckSelection): SkippedCheck[] {
  return skippedChecks(sel).map((s) => ({ id: s.id, ...NEED_REASONS[s.needs] }));
}

export function skippedText(s: SkippedCheck): string {
  return `skipped: ${s.id}: ${s.reason} (${s.why})`;
}
