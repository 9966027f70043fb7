// The resume equivalence the checkpoints rest on: a CheckRunner started at a checkpoint (the
// reducer state there, what the checks saved, msgpack round-tripped as a journal stores it, and a
// lookup of the earlier events) must report exactly what a run from the first event reports
// after that point, end-of-stream findings included.
import { type IommuEvent, packValue, unpackValue } from '../../domain-events/index.js';
import { evolveBatch, initialState, type State } from '../../reducers/index.js';
import { type CheckDef } from '../check.js';
import { type Finding } from '../finding.js';
import { type CheckPoint, CheckRunner } from '../runner.js';

export interface ResumePoint {
  /** events fed before the checkpoint */
  readonly at: number;
  /** findings the run from the first event reported after it, by check id */
  readonly want: Record<string, Finding[]>;
  /** findings the resumed run reported, by check id */
  readonly got: Record<string, Finding[]>;
  /** bytes of the msgpack'd checkpoint */
  readonly bytes: number;
}

function byCheck(fs: readonly Finding[]): Record<string, Finding[]> {
  const out: Record<string, Finding[]> = {};
  for (const f of fs) (out[f.check] ??= []).push(f);
  return out;
}

/** Runs `defs` over `events` from the first event, checkpointing every `every` events, and resumes a run at each checkpoint. */
export function resumeAtCheckpoints(defs: readonly CheckDef[], events: readonly IommuEvent[], every: number): ResumePoint[] {
  const all: Finding[] = [];
  const full = new CheckRunner(defs, (f) => void all.push(f));
  const points: { at: number; emitted: number; packed: Uint8Array; state: State }[] = [];
  let state = initialState();
  for (let at = 0; at < events.length; ) {
    const next = Math.min(events.length, at + every);
    const chunk = events.slice(at, next);
    full.feed(chunk);
    state = evolveBatch(state, chunk);
    at = next;
    if (at < events.length) points.push({ at, emitted: all.length, packed: packValue(full.save()), state });
  }
  full.finish();

  const bySeq = new Map<number, IommuEvent>();
  for (const e of events) bySeq.set(e.seq, e);
  return points.map((p) => {
    const got: Finding[] = [];
    const point = unpackValue(p.packed) as CheckPoint;
    const resumed = new CheckRunner(defs, (f) => void got.push(f), { state: p.state, point, lookup: (seq) => bySeq.get(seq) });
    resumed.feed(events.slice(p.at));
    resumed.finish();
    return { at: p.at, want: byCheck(all.slice(p.emitted)), got: byCheck(got), bytes: p.packed.length };
  });
}
