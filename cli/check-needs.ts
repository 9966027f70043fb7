// Which facts an input lacks, from what the import of its trace decided (journal metadata
// `facts`), and how a check skipped for one says so: "skipped: needs --arch".
import { type CheckNeed, type CheckSelection, listChecks, skippedChecks } from '../checks/index.js';
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

/** One line per reason; a whole family skipped for it is named once ("dma-api/* (10 checks)"). */
export function skippedLines(skipped: readonly SkippedCheck[]): string[] {
  const all = listChecks().map((c) => c.id);
  const byReason = new Map<string, SkippedCheck[]>();
  for (const k of skipped) byReason.set(k.reason, [...(byReason.get(k.reason) ?? []), k]);
  return [...byReason.values()].map((ks) => {
    const ids = ks.map((k) => k.id);
    const families = new Set(ids.map((id) => id.split('/')[0]));
    const whole = families.size === 1 && ids.length > 1 && all.filter((id) => id.startsWith([...families][0] + '/')).every((id) => ids.includes(id));
    const what = whole ? `${[...families][0]}/* (${ids.length} checks)` : ids.join(', ');
    return `skipped: ${what}: ${ks[0].reason} (${ks[0].why})`;
  });
}
