// The checks of one run as one RxJS operator: batches in, findings out. On subscribe it makes a
// Shadow (primed from the first batch's `before` state when there is one, so a run can start at
// a checkpoint) and one inspector per check; every event is shown to every inspector with the
// state before it, then applied. Findings come out in event order.
import { Observable, type OperatorFunction } from 'rxjs';
import { type IommuEvent } from '../domain-events/index.js';
import { type CheckDef, type CheckInput, type Emit, type Report } from './check.js';
import { type EventRef, type Finding } from './finding.js';
import { RecentLines } from './provenance.js';
import { Shadow } from './shadow.js';

/** Confidence after a ring-buffer overflow: the state the check judged by may miss events. */
export const LOST_EVENTS_FACTOR = 0.7;
/** At or below this confidence (a coin flip) an error finding is reported as a warning. */
export const UNCERTAIN_AT = 0.5;

export function checksOperator(defs: readonly CheckDef[]): OperatorFunction<CheckInput, Finding> {
  return (input) =>
    new Observable<Finding>((out) => {
      let shadow: Shadow | null = null;
      let current: IommuEvent | null = null;
      /** seq of the first EventsLost seen: every later finding is less certain */
      let lostAt = Infinity;
      const recent = new RecentLines();
      const insts = defs.map((d) => d.create());
      // type -> the inspectors that look at it (most checks care about two or three types)
      const byType = new Map<string, number[]>();
      const always: number[] = [];
      defs.forEach((d, k) => {
        if (d.on === undefined) always.push(k);
        else for (const t of d.on) (byType.get(t) ?? byType.set(t, []).get(t)!).push(k);
      });
      const dispatch = new Map<string, readonly number[]>();
      const route = (t: string): readonly number[] => {
        let r = dispatch.get(t);
        if (r === undefined) dispatch.set(t, (r = [...(byType.get(t) ?? []), ...always].sort((a, b) => a - b)));
        return r;
      };
      const emits: Emit[] = defs.map((d) => (r: Report) => {
        const e = r.at ?? current;
        if (e === null) return;
        out.next(makeFinding(d, e, r, recent, e.seq > lostAt));
      });
      const sub = input.subscribe({
        next(b) {
          shadow ??= new Shadow(b.before);
          const evs = b.events;
          for (let i = 0; i < evs.length; i++) {
            const e = evs[i];
            current = e;
            recent.note(e);
            if (e.type === 'EventsLost' && e.seq < lostAt) lostAt = e.seq;
            const ks = route(e.type);
            for (let j = 0; j < ks.length; j++) insts[ks[j]].inspect(e, shadow, emits[ks[j]]);
            shadow.apply(e);
          }
        },
        error: (err) => out.error(err),
        complete() {
          current = null;
          const s = shadow ?? new Shadow();
          insts.forEach((inst, k) => inst.complete?.(s, emits[k]));
          out.complete();
        },
      });
      return () => sub.unsubscribe();
    });
}

function makeFinding(d: CheckDef, e: IommuEvent, r: Report, recent: RecentLines, afterLoss: boolean): Finding {
  const related: EventRef[] = (r.related ?? []).map((x) => (typeof x === 'number' ? recent.ref(x) : x));
  // a finding is as uncertain as the least certain attribution it rests on
  let attribution = e.conf ?? 1;
  if (r.anyDomain) attribution = 1;
  else for (const x of r.related ?? []) attribution = Math.min(attribution, recent.conf(typeof x === 'number' ? x : x.seq));
  let confidence = (r.confidence ?? 1) * attribution * (afterLoss ? LOST_EVENTS_FACTOR : 1);
  confidence = Math.round(confidence * 1000) / 1000;
  // an error that may only be an attribution guess gone wrong is not reported as an error
  const severity = d.severity === 'error' && confidence <= UNCERTAIN_AT ? 'warning' : d.severity;
  return {
    check: d.id,
    checkVersion: d.version,
    severity,
    seq: e.seq,
    line: e.line,
    src: e.src,
    message: r.message,
    related,
    confidence,
    domain: r.domain ?? null,
    address: r.address ?? null,
    addressSpace: r.address === undefined || r.address === null ? null : (r.addressSpace ?? 'iova'),
  };
}
