// Combining evidence: each kind gives its log likelihood ratios over the candidate domains, the
// sum is the log posterior (naive Bayes: the kinds are read as independent, their weights in
// weights.ts are measured so that the confidence this yields is calibrated). Kinds that read
// attribution's own earlier decisions (the most recent domain, an IOVA freed there, the domain's
// allocator agreeing) all say "the same stream goes on": they are one piece of evidence, the
// strongest of them counts, not their product (a guess must not confirm itself three times). The
// decision is the most probable domain; its posterior is the confidence; `how` names the kind
// that separated it from the runner-up the most.
import { type BookDomain } from './book.js';
import { CONFIDENT_AT } from '../../domain-events/index.js';
import { ANCHORS, type EvidenceKind } from './evidence/kinds.js';

/** the kinds that read attribution's own decisions about the stream (see above) */
const CONTINUITY: ReadonlySet<EvidenceKind> = new Set(['recent', 'iova-reuse', 'allocator']);

export interface Decision {
  readonly domain: BookDomain;
  readonly conf: number;
  readonly how: EvidenceKind;
}

export interface Persisted {
  readonly kind: EvidenceKind;
  readonly domain: number;
  readonly lr: number;
  /** it counts toward the task's anchors (kinds.ts) */
  readonly anchor: boolean;
}

/** how much more the anchors must favour the placement than any rival (a likelihood ratio of 10) */
const ANCHOR_MARGIN = Math.log(10);

/** the most an unanchored placement may claim: just below the line that makes it confident */
export const UNANCHORED_CAP = Math.round((CONFIDENT_AT - 0.01) * 1000) / 1000;

export class Ballot {
  private readonly rows = new Map<EvidenceKind, Float64Array>();
  /** what anchoring kinds said, directly or through the task (not a row of the posterior) */
  private readonly anchors: Float64Array;
  /** contributions that are evidence about the task, not only about this line */
  readonly persisted: Persisted[] = [];
  private readonly index = new Map<number, number>();

  constructor(readonly cands: readonly BookDomain[]) {
    cands.forEach((d, i) => this.index.set(d.id, i));
    this.anchors = new Float64Array(cands.length);
  }

  /** candidates a sure placement rules out (a map's IOVA live there, placed with confidence) */
  private readonly ruledOut = new Set<number>();

  /** The domain cannot take the line, as surely as anchored placements say. */
  ruleOut(domain: number): void {
    const i = this.index.get(domain);
    if (i !== undefined) this.ruledOut.add(i);
  }

  /** The task's anchored evidence for a domain (already part of its 'task' row). */
  anchor(domain: number, lr: number): void {
    const i = this.index.get(domain);
    if (i !== undefined) this.anchors[i] += lr;
  }

  indexOf(domain: number): number {
    return this.index.get(domain) ?? -1;
  }

  /**
   * Adds a log likelihood ratio for one candidate (by domain id); persist: it is evidence about
   * the task too; anchor: it counts toward the anchors (an anchoring kind, unless it repeats a
   * fact the task already showed: it weighs again, it does not make surer).
   */
  add(kind: EvidenceKind, domain: number, lr: number, persist = false, anchor = ANCHORS.has(kind)): void {
    const i = this.index.get(domain);
    if (i === undefined || lr === 0 || !Number.isFinite(lr)) return;
    let row = this.rows.get(kind);
    if (!row) this.rows.set(kind, (row = new Float64Array(this.cands.length)));
    row[i] += lr;
    if (anchor) this.anchors[i] += lr;
    if (persist) this.persisted.push({ kind, domain, lr, anchor });
  }

  has(kind: EvidenceKind): boolean {
    return this.rows.has(kind);
  }

  /** The posterior over the candidates. */
  posterior(): Float64Array {
    const n = this.cands.length;
    const log = new Float64Array(n);
    const continuity = new Float64Array(n);
    for (const [kind, row] of this.rows)
      if (CONTINUITY.has(kind)) for (let i = 0; i < n; i++) continuity[i] = Math.max(continuity[i], row[i]);
      else for (let i = 0; i < n; i++) log[i] += row[i];
    for (let i = 0; i < n; i++) log[i] += continuity[i];
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, log[i]);
    let z = 0;
    for (let i = 0; i < n; i++) z += log[i] = Math.exp(log[i] - max);
    for (let i = 0; i < n; i++) log[i] /= z;
    return log;
  }

  decide(fallback: EvidenceKind): Decision {
    const p = this.posterior();
    let best = 0;
    for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
    let second = -1;
    for (let i = 0; i < p.length; i++) if (i !== best && (second < 0 || p[i] > p[second])) second = i;
    let how = fallback;
    let margin = 0;
    if (second >= 0)
      for (const [kind, row] of this.rows) {
        const m = row[best] - row[second];
        if (m > margin) {
          margin = m;
          how = kind;
        }
      }
    // placed where only attribution's own earlier decisions point: not sure, whatever the sum says
    // (every rival not ruled out by a sure placement must be less favoured by the anchors: a
    // rival only attribution's own guesses pushed out of the running is still a rival)
    let anchored = true;
    for (let i = 0; i < p.length; i++) if (i !== best && !this.ruledOut.has(i) && this.anchors[best] - this.anchors[i] < ANCHOR_MARGIN) anchored = false;
    return { domain: this.cands[best], conf: anchored ? p[best] : Math.min(p[best], UNANCHORED_CAP), how };
  }
}

/** A confidence as recorded on an event: three decimals, never 1 for an inference. */
export function recorded(conf: number): number {
  return Math.min(0.999, Math.round(conf * 1000) / 1000);
}
