// diff with the fault checks' totals: the same checks run over both runs, their findings counted
// by severity, beside the projections' totals (replay/ cannot import checks/, the faces can).
import { runChecks } from '../checks/index.js';
import { type DiffInput, diffRuns } from '../replay/diff.js';
import { type Delta, type DiffReport } from '../replay/diff-report.js';

function bySeverity(input: DiffInput): Record<string, number> {
  const out: Record<string, number> = { findingsError: 0, findingsWarning: 0, findingsInfo: 0 };
  for (const f of runChecks(input.blocks()).findings) {
    const k = f.severity === 'error' ? 'findingsError' : f.severity === 'warning' ? 'findingsWarning' : 'findingsInfo';
    out[k]++;
  }
  return out;
}

export function diffWithFindings(a: DiffInput, b: DiffInput): DiffReport {
  const report = diffRuns(a, b);
  const fa = bySeverity(a);
  const fb = bySeverity(b);
  const deltas: Record<string, Delta> = { ...report.deltas };
  for (const k of Object.keys(fa)) deltas[k] = { a: fa[k], b: fb[k], delta: fb[k] - fa[k] };
  return { ...report, deltas };
}
