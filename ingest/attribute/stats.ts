// What attribution did with the map and unmap lines of a trace (the import summary, trace verify).
import { CONFIDENT_AT } from '../../domain-events/index.js';
import { type EvidenceKind } from './evidence/kinds.js';

export interface AttributionStats {
  /** map lines read */
  mapLines: number;
  unmapLines: number;
  /** lines placed in a domain (0 <= mapsAttributed <= mapLines) */
  mapsAttributed: number;
  unmapsAttributed: number;
  /** lines no domain could take: dropped (no event written) */
  unattributed: number;
  /** lines placed with confidence below CONFIDENT_AT: shown as ambiguous */
  ambiguous: number;
  /** lines placed over live pages (a map) or on a hole (an unmap) of a trace that shows the domain from its start */
  conflicts: number;
  /** unmaps of mappings made before the trace began (it starts mid-run) */
  preTrace: number;
  /** domains found from the traffic or the guest files, not from add/attach lines */
  discoveredDomains: number;
  /** the kind of evidence that decided, per line */
  byHow: Partial<Record<EvidenceKind, number>>;
}

export function newStats(): AttributionStats {
  return { mapLines: 0, unmapLines: 0, mapsAttributed: 0, unmapsAttributed: 0, unattributed: 0, ambiguous: 0, conflicts: 0, preTrace: 0, discoveredDomains: 0, byHow: {} };
}

export function countPlaced(s: AttributionStats, side: 'map' | 'unmap', how: EvidenceKind, conf: number): void {
  if (side === 'map') s.mapsAttributed++;
  else s.unmapsAttributed++;
  s.byHow[how] = (s.byHow[how] ?? 0) + 1;
  if (conf < CONFIDENT_AT) s.ambiguous++;
}

/** Share of map/unmap lines that could not be placed (import exits 1 above 1 %). */
export function droppedShare(s: AttributionStats): number {
  const lines = s.mapLines + s.unmapLines;
  return lines === 0 ? 0 : s.unattributed / lines;
}
