// What an import says about the lines it read: how many became events, how many were dropped,
// how the map and unmap lines were placed (and how surely).
import { type ImportSummary } from '../ingest/importer.js';
import { droppedShare } from '../ingest/attribute/stats.js';
import { CONFIDENT_AT } from '../domain-events/index.js';

/** more than this share of map/unmap lines dropped: the journal is not the trace (exit 1) */
export const MAX_DROPPED_SHARE = 0.01;

export function importSummaryLines(s: ImportSummary): string[] {
  const a = s.attribution;
  const how = Object.entries(a.byHow)
    .sort((x, y) => (y[1] ?? 0) - (x[1] ?? 0))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const traceEvents = s.counters.events?.count ?? 0;
  const dropped = s.parseErrors + a.unattributed;
  const out = [
    `${traceEvents} trace events read; ${dropped} line${dropped === 1 ? '' : 's'} dropped (${s.parseErrors} unreadable, ${a.unattributed} map/unmap line${a.unattributed === 1 ? '' : 's'} no domain could take); unrecognised events ${s.unknownEvents} (kept as generic events)`,
    `map lines ${a.mapLines}: ${a.mapsAttributed} placed; unmap lines ${a.unmapLines}: ${a.unmapsAttributed} placed${how ? ` (by ${how})` : ''}`,
    `ambiguous ${a.ambiguous} map/unmap lines (placed with confidence below ${CONFIDENT_AT}: events and findings say so); conflicts ${a.conflicts}` + (a.preTrace ? `; ${a.preTrace} unmap${a.preTrace === 1 ? '' : 's'} of mappings made before the trace began` : '') + (a.discoveredDomains ? `; ${a.discoveredDomains} domain${a.discoveredDomains === 1 ? '' : 's'} found from the traffic and guest files (the trace starts mid-run)` : ''),
  ];
  if (droppedShare(a) > MAX_DROPPED_SHARE) out.push(`more than ${MAX_DROPPED_SHARE * 100} % of the map/unmap lines could not be placed: the journal does not hold the whole trace`);
  return out;
}

/** 1 when more than 1 % of the map/unmap lines could not be placed. */
export function exitFor(s: ImportSummary): number {
  return droppedShare(s.attribution) > MAX_DROPPED_SHARE ? 1 : 0;
}
