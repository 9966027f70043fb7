// Aligning two runs: workload steps (markers) first, then operations inside each step by
// signature, with a bounded look-ahead to step over operations only one run made. The first
// pair that differs, in A's order, is the first divergence.
import { type Op, type OpStream, type Segment } from './align-ops.js';

/** how far to look for the same operation when the two runs stop lining up */
const LOOKAHEAD = 64;

export interface OpDiff {
  readonly a: Op | null;
  readonly b: Op | null;
  readonly step: string;
  /** "IOVA chosen 0xffffe000 vs 0xfffff000", "only in A: …" */
  readonly what: string;
}

export interface Alignment {
  readonly compared: number;
  readonly differing: number;
  readonly onlyA: number;
  readonly onlyB: number;
  readonly sharedSteps: number;
  /** aligned pairs whose outcome differed, by what differed ("IOVA chosen", "errno", "PASID" …) */
  readonly byField: Readonly<Record<string, number>>;
  readonly first: OpDiff | null;
}

function differingFields(a: Op, b: Op): string[] {
  return Object.keys(a.outcome).filter((k) => k in b.outcome && a.outcome[k] !== b.outcome[k]);
}

/** how many ops line up from a[i] and b[j] on (up to LOOKAHEAD) */
function run(a: readonly Op[], b: readonly Op[], i: number, j: number): number {
  let n = 0;
  while (n < LOOKAHEAD && i + n < a.length && j + n < b.length && a[i + n].sig === b[j + n].sig) n++;
  return n;
}

class Aligner {
  compared = 0;
  differing = 0;
  onlyA = 0;
  onlyB = 0;
  readonly byField: Record<string, number> = {};
  first: OpDiff | null = null;

  note(d: OpDiff): void {
    this.first ??= d;
  }

  /** A's ops [i, i+n) have no partner in B */
  extraA(ops: readonly Op[], step: string): void {
    for (const op of ops) {
      this.onlyA++;
      this.note({ a: op, b: null, step, what: `only in A: ${op.sig}` });
    }
  }

  extraB(ops: readonly Op[], step: string): void {
    for (const op of ops) {
      this.onlyB++;
      this.note({ a: null, b: op, step, what: `only in B: ${op.sig}` });
    }
  }

  segment(a: readonly Op[], b: readonly Op[], step: string): void {
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i].sig === b[j].sig) {
        this.compared++;
        const fields = differingFields(a[i], b[j]);
        if (fields.length) {
          this.differing++;
          for (const f of fields) this.byField[f] = (this.byField[f] ?? 0) + 1;
          const what = fields.map((k) => `${k} ${a[i].outcome[k]} vs ${b[j].outcome[k]}`).join('; ');
          this.note({ a: a[i], b: b[j], step, what });
        }
        i++;
        j++;
        continue;
      }
      const skip = this.resync(a, b, i, j);
      if (skip.a) this.extraA(a.slice(i, i + skip.a), step);
      if (skip.b) this.extraB(b.slice(j, j + skip.b), step);
      if (!skip.a && !skip.b) {
        // nothing lines up nearby: a pair of different operations
        this.compared++;
        this.differing++;
        this.note({ a: a[i], b: b[j], step, what: `different operations: ${a[i].sig} vs ${b[j].sig}` });
        i++;
        j++;
      }
      i += skip.a;
      j += skip.b;
    }
    this.extraA(a.slice(i), step);
    this.extraB(b.slice(j), step);
  }

  /** the smallest skip on one side after which the signatures meet again */
  private resync(a: readonly Op[], b: readonly Op[], i: number, j: number): { a: number; b: number } {
    for (let d = 1; d <= LOOKAHEAD; d++) {
      const skipA = i + d < a.length && a[i + d].sig === b[j].sig;
      const skipB = j + d < b.length && a[i].sig === b[j + d].sig;
      // both line up at the same distance (an extra op of one run that looks like a later op of
      // the other): keep the skip after which more ops go on lining up
      if (skipA && skipB) return run(a, b, i + d, j) >= run(a, b, i, j + d) ? { a: d, b: 0 } : { a: 0, b: d };
      if (skipA) return { a: d, b: 0 };
      if (skipB) return { a: 0, b: d };
    }
    return { a: 0, b: 0 };
  }
}

/** Keeps only the op families both runs can produce (a 6.1 trace has no dma:* events). */
function comparable(s: OpStream, families: Set<Op['family']>): Segment[] {
  return s.segments.map((seg) => ({ ...seg, ops: seg.ops.filter((o) => families.has(o.family) || o.family === 'msi') }));
}

export function alignRuns(a: OpStream, b: OpStream): Alignment {
  const shared = new Set([...a.families].filter((f) => b.families.has(f)));
  const segA = comparable(a, shared);
  const segB = new Map(comparable(b, shared).map((s) => [s.key, s]));
  const al = new Aligner();
  let sharedSteps = 0;
  const used = new Set<string>();
  for (const s of segA) {
    const other = segB.get(s.key);
    if (!other) {
      al.extraA(s.ops, s.key);
      continue;
    }
    if (s.key !== '(start)') sharedSteps++;
    used.add(s.key);
    al.segment(s.ops, other.ops, s.key);
  }
  for (const [key, s] of segB) if (!used.has(key)) al.extraB(s.ops, key);
  return { compared: al.compared, differing: al.differing, onlyA: al.onlyA, onlyB: al.onlyB, sharedSteps, byField: al.byField, first: al.first };
}
