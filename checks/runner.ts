// One run of the checks over a stream: a Shadow of the state, one inspector per check, findings
// out in event order. The RxJS operator wraps it; the journal recorder drives it directly so
// that, at every state checkpoint, it can store what the checks had found so far (counts per
// check and severity) and kept (their private indices). A run can resume at such a checkpoint
// and report exactly what a run from the first event reports from there on: that is what lets
// bisect find a check's first finding with O(log n) checkpoint probes and one segment replay.
import { type DmaApiCalled, type DmaCall, type IommuEvent } from '../domain-events/index.js';
import { type State } from '../reducers/index.js';
import { type CheckDef, type CheckInstance, type Emit, type Report } from './check.js';
import { type EventRef, type Finding, type Severity } from './finding.js';
import { RecentLines } from './provenance.js';
import { type Route, routesOf, Shadow, type ShadowState } from './shadow.js';

/** Confidence after a ring-buffer overflow: the state the check judged by may miss events. */
export const LOST_EVENTS_FACTOR = 0.7;
/** At or below this confidence (a coin flip) an error finding is reported as a warning. */
export const UNCERTAIN_AT = 0.5;

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** findings reported so far by one check: [error, warning, info] */
export type SeverityCounts = [number, number, number];

/** What the checks had found and kept after a journal checkpoint's last event. */
export interface CheckPoint {
  /** check id -> version: counts of another version of a check do not answer for it */
  readonly versions: Readonly<Record<string, number>>;
  /** findings reported so far per check id, by severity (after confidence) */
  readonly counts: Readonly<Record<string, SeverityCounts>>;
  /** seq of the first EventsLost seen, -1: none */
  readonly lostAt: number;
  /** per check id, what its save() returned */
  readonly saved: Readonly<Record<string, unknown>>;
}

export interface ResumeFrom {
  /** the reducer state at the checkpoint (all slices) */
  readonly state: State;
  readonly point: CheckPoint;
  /** an event before the checkpoint, by seq (for the lines and confidence of related events) */
  readonly lookup?: (seq: number) => IommuEvent | undefined;
}

export class CheckRunner {
  private readonly shadow: Shadow;
  private readonly insts: CheckInstance[];
  private readonly emits: Emit[];
  private readonly route: (type: string) => readonly number[];
  /** per event type: who looks at it and which slices apply it */
  private readonly plans = new Map<string, Plan>();
  private readonly recent = new RecentLines();
  private readonly counts: SeverityCounts[];
  private current: IommuEvent | null = null;
  /** seq of the newest event fed, or of the checkpoint's last one (-1: none) */
  private newest = -1;
  /** seq of the first EventsLost seen: every later finding is less certain */
  private lostAt = Infinity;
  private done = false;

  constructor(
    private readonly defs: readonly CheckDef[],
    onFinding: (f: Finding) => void,
    from?: ResumeFrom | { readonly state: State },
  ) {
    this.shadow = new Shadow(from?.state);
    if (from) this.newest = from.state.timeline.lastSeq;
    this.insts = defs.map((d) => d.create());
    this.counts = defs.map(() => [0, 0, 0]);
    this.route = router(defs);
    const lookup = from && 'point' in from ? from.lookup : undefined;
    if (from && 'point' in from) {
      const p = from.point;
      if (p.lostAt >= 0) this.lostAt = p.lostAt;
      defs.forEach((d, k) => {
        // what another version of the check counted and kept does not answer for this one
        const same = p.versions[d.id] === d.version;
        const c = same ? p.counts[d.id] : undefined;
        if (c) this.counts[k] = [c[0], c[1], c[2]];
        this.insts[k].restore?.(from.state, same ? p.saved[d.id] : undefined);
      });
    }
    this.emits = defs.map((d, k) => (r: Report) => {
      const e = r.at ?? this.current;
      if (e === null) return;
      const f = makeFinding(d, e, r, this.recent, this.newest, e.seq > this.lostAt, lookup);
      this.counts[k][SEVERITIES.indexOf(f.severity)]++;
      onFinding(f);
    });
  }

  /** Shows each event to the checks that look at its type, with the state before it, then applies it. */
  feed(evs: readonly IommuEvent[]): void {
    const { shadow, recent } = this;
    for (let i = 0; i < evs.length; i++) {
      const e = evs[i];
      const type = e.type;
      const seq = e.seq;
      this.current = e;
      recent.note(e);
      if (type === 'EventsLost' && seq < this.lostAt) this.lostAt = seq;
      if (seq > this.newest) this.newest = seq;
      let p = this.plans.get(type) ?? this.plan(type);
      if (p.byCall !== null) {
        const call = (e as DmaApiCalled).call;
        p = p.byCall.get(call) ?? this.plan(type, call);
      }
      const { inspect, inspectOf, emit } = p;
      for (let j = 0; j < inspect.length; j++) inspect[j].call(inspectOf[j], e, shadow, emit[j]);
      shadow.apply(e, p.slices);
      const { after, afterOf } = p;
      for (let j = 0; j < after.length; j++) after[j].call(afterOf[j], e, shadow);
    }
    this.current = null;
  }

  private plan(type: string, call?: DmaCall): Plan {
    let ks = this.route(type);
    // a DmaApiCalled event goes to the checks that look at its call
    const byCall = type === 'DmaApiCalled' && call === undefined && ks.some((k) => this.defs[k].calls !== undefined) ? new Map<string, Plan>() : null;
    if (call !== undefined) ks = ks.filter((k) => this.defs[k].calls?.includes(call) ?? true);
    const as = ks.filter((k) => this.insts[k].after !== undefined);
    const p: Plan = {
      byCall,
      inspect: ks.map((k) => this.insts[k].inspect),
      inspectOf: ks.map((k) => this.insts[k]),
      emit: ks.map((k) => this.emits[k]),
      slices: routesOf(type),
      after: as.map((k) => this.insts[k].after!),
      afterOf: as.map((k) => this.insts[k]),
    };
    if (call === undefined) this.plans.set(type, p);
    else this.plans.get(type)!.byCall!.set(call, p);
    return p;
  }

  /** End of the stream: what is still wrong (leaks). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.current = null;
    this.insts.forEach((inst, k) => inst.complete?.(this.shadow, this.emits[k]));
  }

  /**
   * What to store beside a state checkpoint taken after the events fed so far. `forBisect`: the
   * journal's checks records. There a check that can only warn or inform and has already
   * reported keeps no saved data (its dedupe set would grow with every finding, and every record
   * would carry it again): bisect resumes at a record only checks that had not reported yet in
   * the severities it looks for, and such a check's findings cannot count for an error search.
   * Error checks, and checks yet to report, are saved whole, so the resumed run is exact for
   * everything bisect reads.
   */
  save(opts: { forBisect?: boolean } = {}): CheckPoint {
    const versions: Record<string, number> = {};
    const counts: Record<string, SeverityCounts> = {};
    const saved: Record<string, unknown> = {};
    this.defs.forEach((d, k) => {
      versions[d.id] = d.version;
      counts[d.id] = [...this.counts[k]];
      const c = this.counts[k];
      if (opts.forBisect && d.severity !== 'error' && c[0] + c[1] + c[2] > 0) return;
      const s = this.insts[k].save?.();
      if (s !== undefined) saved[d.id] = s;
    });
    return { versions, counts, lostAt: Number.isFinite(this.lostAt) ? this.lostAt : -1, saved };
  }
}

/**
 * What one event type goes through, looked up once per event: the inspectors (as functions and
 * their instances: one call site per check, not one megamorphic method load), the shadow's slice
 * handlers, the after hooks.
 */
interface Plan {
  /** DmaApiCalled: the plan of each call (checks with CheckDef.calls), made on first sight */
  readonly byCall: Map<string, Plan> | null;
  readonly inspect: readonly CheckInstance['inspect'][];
  readonly inspectOf: readonly CheckInstance[];
  readonly emit: readonly Emit[];
  readonly slices: readonly Route[];
  readonly after: readonly ((e: IommuEvent, s: ShadowState) => void)[];
  readonly afterOf: readonly CheckInstance[];
}

/** type -> the inspectors that look at it, in check order (most checks care about two or three types) */
function router(defs: readonly CheckDef[]): (type: string) => readonly number[] {
  const byType = new Map<string, number[]>();
  const always: number[] = [];
  defs.forEach((d, k) => {
    if (d.on === undefined) always.push(k);
    else for (const t of d.on) (byType.get(t) ?? byType.set(t, []).get(t)!).push(k);
  });
  const dispatch = new Map<string, readonly number[]>();
  return (t) => {
    let r = dispatch.get(t);
    if (r === undefined) dispatch.set(t, (r = [...(byType.get(t) ?? []), ...always].sort((a, b) => a - b)));
    return r;
  };
}

/** How far back a related event's line and confidence are known (RecentLines' ring). */
const RECENT_WINDOW = 1 << 20;

function makeFinding(d: CheckDef, e: IommuEvent, r: Report, recent: RecentLines, newest: number, afterLoss: boolean, lookup?: (seq: number) => IommuEvent | undefined): Finding {
  // a resumed run has not seen the events before its checkpoint: within the window a run from
  // the start remembers (the ring's last events, counted from the newest one fed, also for
  // end-of-stream reports about an earlier event), ask the journal, so both runs report the
  // same lines and confidence
  const older = (seq: number): IommuEvent | undefined => (lookup !== undefined && !recent.has(seq) && newest - seq < RECENT_WINDOW ? lookup(seq) : undefined);
  const refOf = (seq: number): EventRef => {
    const o = older(seq);
    return o ? { seq, line: o.line, src: o.src } : recent.ref(seq);
  };
  const confOf = (seq: number): number => older(seq)?.conf ?? recent.conf(seq);
  const related: EventRef[] = (r.related ?? []).map((x) => (typeof x === 'number' ? refOf(x) : x));
  // a finding is as uncertain as the least certain attribution it rests on
  let attribution = e.conf ?? 1;
  if (r.anyDomain) attribution = 1;
  else for (const x of r.related ?? []) attribution = Math.min(attribution, confOf(typeof x === 'number' ? x : x.seq));
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
