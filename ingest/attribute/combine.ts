// Combining evidence: each kind gives its log likelihood ratios over the candidate domains, the
// sum is the log posterior (naive Bayes: the kinds are read as independent, their weights in
// weights.ts are measured so that the confidence this yields is calibrated). The decision is the
// most probable domain; its posterior is the confidence; `how` names the kind that separated it
// from the runner-up the most.
import { type BookDomain } from './book.js';
import { type EvidenceKind } from './evidence/kinds.js';

export interface Decision {
  readonly domain: BookDomain;
  readonly conf: number;
  readonly how: EvidenceKind;
}

export interface Persisted {
  readonly kind: EvidenceKind;
  readonly domain: number;
  readonly lr: number;
}

export class Ballot {
  private readonly rows = new Map<EvidenceKind, Float64Array>();
  /** contributions that are evidence about the task, not only about this line */
  readonly persisted: Persisted[] = [];
  private readonly index = new Map<number, number>();

  constructor(readonly cands: readonly BookDomain[]) {
    cands.forEach((d, i) => this.index.set(d.id, i));
  }

  indexOf(domain: number): number {
    return this.index.get(domain) ?? -1;
  }

  /** Adds a log likelihood ratio for one candidate (by domain id); persist: it is evidence about the task too. */
  add(kind: EvidenceKind, domain: number, lr: number, persist = false): void {
    const i = this.index.get(domain);
    if (i === undefined || lr === 0 || !Number.isFinite(lr)) return;
    let row = this.rows.get(kind);
    if (!row) this.rows.set(kind, (row = new Float64Array(this.cands.length)));
    row[i] += lr;
    if (persist) this.persisted.push({ kind, domain, lr });
  }

  has(kind: EvidenceKind): boolean {
    return this.rows.has(kind);
  }

  /** The posterior over the candidates. */
  posterior(): Float64Array {
    const n = this.cands.length;
    const log = new Float64Array(n);
    for (const row of this.rows.values()) for (let i = 0; i < n; i++) log[i] += row[i];
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
    return { domain: this.cands[best], conf: p[best], how };
  }
}

/** A confidence as recorded on an event: three decimals, never 1 for an inference. */
export function recorded(conf: number): number {
  return Math.min(0.999, Math.round(conf * 1000) / 1000);
}
