// Seek by trace time. Time normally only goes forward, and the last event at or before a time is
// found by binary search. When the clock jumps back (a reset, two captures joined), the journal
// is cut into stretches in which it only goes forward; a time is answered in the one stretch
// whose span holds it, and said so. A time that no stretch holds, or that several hold, has no
// one answer: the error names the stretches so the user can pick an event number instead.
import { type IommuEvent, InputError } from '../domain-events/index.js';
import { type TimeJump } from './journal-format.js';

/** What the search needs from a Timeline: blocks of events by index, and where each starts. */
export interface TimeSearchable {
  readonly total: number;
  blockCount(): number;
  blockFirstSeq(i: number): number;
  blockEvents(i: number): readonly IommuEvent[];
  blockIndexOf(seq: number): number;
}

export interface TimeSeek {
  /** the last event at or before the time (-1: before the first) */
  readonly seq: number;
  /** set when the trace clock goes back somewhere: which stretch answered */
  readonly note: string | null;
}

function secs(ns: number): string {
  return `${Math.floor(ns / 1e9)}.${String(ns % 1e9).padStart(9, '0')} s`;
}

/** First (or, `fromEnd`, last) timestamp among events a..b, null when none has one. */
function edgeTs(t: TimeSearchable, a: number, b: number, fromEnd: boolean): number | null {
  if (!fromEnd) {
    for (let i = t.blockIndexOf(a); i < t.blockCount() && t.blockFirstSeq(i) <= b; i++)
      for (const e of t.blockEvents(i)) if (e.seq >= a && e.seq <= b && e.ts !== null) return e.ts;
    return null;
  }
  for (let i = t.blockIndexOf(b); i >= 0; i--) {
    const evs = t.blockEvents(i);
    for (let k = evs.length - 1; k >= 0; k--) {
      const e = evs[k];
      if (e.seq < a) return null;
      if (e.seq <= b && e.ts !== null) return e.ts;
    }
  }
  return null;
}

/** The last event of a..b (time non-decreasing there) at or before `ns`; a - 1 when none is. */
function searchStretch(t: TimeSearchable, a: number, b: number, ns: number): number {
  const firstTs = (i: number): number | null => {
    for (const e of t.blockEvents(i)) if (e.seq >= a && e.seq <= b && e.ts !== null) return e.ts;
    return null;
  };
  let lo = t.blockIndexOf(a);
  let hi = t.blockIndexOf(b);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const ts = firstTs(mid);
    if (ts === null || ts <= ns) lo = mid;
    else hi = mid - 1;
  }
  let seq = Math.max(a, t.blockFirstSeq(lo)) - 1;
  for (const e of t.blockEvents(lo)) {
    if (e.seq < a) continue;
    if (e.seq > b || (e.ts !== null && e.ts > ns)) break;
    seq = e.seq;
  }
  return seq;
}

export function seekTime(t: TimeSearchable, ns: number, jumps: readonly TimeJump[], label: string): TimeSeek {
  if (t.total === 0) return { seq: -1, note: null };
  if (jumps.length === 0) return { seq: searchStretch(t, 0, t.total - 1, ns), note: null };
  const starts = [0, ...jumps.map((j) => j.seq)];
  const stretches = starts.map((a, k) => {
    const b = (starts[k + 1] ?? t.total) - 1;
    // a jump knows both sides: the time it came from ends the stretch before, the time it went to starts this one
    const first = k === 0 ? edgeTs(t, a, b, false) : jumps[k - 1].to;
    const last = k < jumps.length ? jumps[k].from : edgeTs(t, a, b, true);
    return { a, b, first, last };
  });
  const holding = stretches.filter((s) => s.first !== null && s.last !== null && s.first <= ns && ns <= s.last);
  const when = `the trace clock goes back ${jumps.length === 1 ? `once, at event ${jumps[0].seq} (${secs(jumps[0].from)} → ${secs(jumps[0].to)})` : `${jumps.length} times (first at event ${jumps[0].seq}, ${secs(jumps[0].from)} → ${secs(jumps[0].to)})`}`;
  const span = (s: (typeof stretches)[number]) => `#${s.a}–#${s.b} (${s.first === null ? '?' : secs(s.first)} – ${s.last === null ? '?' : secs(s.last)})`;
  if (holding.length === 1) {
    const s = holding[0];
    return { seq: searchStretch(t, s.a, s.b, ns), note: `${label}: ${when}: ${secs(ns)} answered in the one stretch that holds it, events ${span(s)}` };
  }
  const list = (holding.length ? holding : stretches).slice(0, 6).map(span).join(', ');
  if (holding.length === 0) throw new InputError(`--at-time ${secs(ns)}: ${label}: ${when}, and no stretch of it holds that time (stretches ${list}${stretches.length > 6 ? ', …' : ''}); give --at SEQ`);
  throw new InputError(`--at-time ${secs(ns)}: ${label}: ${when}, so that time occurs ${holding.length} times: in ${list}${holding.length > 6 ? ', …' : ''}; give --at SEQ`);
}
