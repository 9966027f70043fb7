// An import read everything, or it skipped, lost or could not place something: the counters of
// severity dataLoss or error say which (ingest/diagnostics.ts). Any of them makes a command that
// imported the trace exit 1 (docs/exit-codes.md), with one line saying which.
import { type ImportSummary } from './importer.js';

export function importIssue(s: Pick<ImportSummary, 'trace' | 'counters'>): string | null {
  const bad = Object.entries(s.counters).filter(([, c]) => c.severity !== 'info' && c.count > 0);
  if (bad.length === 0) return null;
  return `${s.trace}: not everything was read as it should: ${bad.map(([k, c]) => `${k} ${c.count}`).join(', ')}`;
}
