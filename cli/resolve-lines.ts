// Findings name the trace lines of the events they relate to; the checks remember lines only
// for recent events (bounded memory), so older ones are looked up here in one more pass over
// the source, only when some are missing.
import { type EventRef, type Finding } from '../checks/index.js';
import { type EventSource } from './inputs.js';

export function resolveLines(src: EventSource, findings: readonly Finding[]): Finding[] {
  const want = new Set<number>();
  for (const f of findings) for (const r of f.related) if (r.line === null) want.add(r.seq);
  if (want.size === 0) return [...findings];
  const found = new Map<number, EventRef>();
  const max = Math.max(...want);
  for (const b of src.blocks()) {
    if (b.length === 0 || b[0].seq > max) break;
    if (b[b.length - 1].seq < Math.min(...want)) continue;
    for (const e of b) if (want.has(e.seq)) found.set(e.seq, { seq: e.seq, line: e.line, src: e.src });
    if (found.size === want.size) break;
  }
  return findings.map((f) => (f.related.some((r) => r.line === null) ? { ...f, related: f.related.map((r) => (r.line === null ? (found.get(r.seq) ?? r) : r)) } : f));
}
