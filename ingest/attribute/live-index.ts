// The mappings attribution has placed and not yet seen unmapped, per domain, as page intervals,
// each remembering how it was attributed (confidence, task, CPU). Attribution asks it whether an
// IOVA range is free in a domain (a map) or live there (an unmap), and how sure the placement
// that blocks or holds it was: a mapping placed with confidence 0.6 excludes its domain for a
// new map at most 60 % of the way. It is attribution's own record, kept apart from the reducers'
// page tables so that attributing never waits for the journal's state to be folded.
import { PMap, Tx } from '../../reducers/index.js';

export interface Placement {
  /** confidence the map line was attributed with */
  readonly conf: number;
  /** the task key of the map line (evidence/task.ts) */
  readonly task: string;
  readonly cpu: number;
  readonly ts: number;
  readonly line: number;
  /** attribution order: a larger one was placed later */
  readonly order: number;
}

interface Interval {
  readonly pfn: number;
  readonly pages: number;
  readonly at: Placement;
}

export class LiveIndex {
  private readonly domains = new Map<number, PMap<Interval>>();
  // one edit token for the index's whole life: nodes are owned and changed in place
  private readonly tx = new Tx();

  private tree(domain: number): PMap<Interval> {
    return this.domains.get(domain) ?? PMap.empty<Interval>();
  }

  /** The placement of a live mapping overlapping [pfn, pfn + pages) in the domain, if any. */
  blocker(domain: number, pfn: number, pages: number): Placement | null {
    const t = this.domains.get(domain);
    if (!t) return null;
    const last = t.floorValue(pfn + pages - 1);
    if (last && last.pfn + last.pages > pfn) return last.at;
    return null;
  }

  /**
   * The placements holding every page of [pfn, pfn + pages) in the domain, in IOVA order, or
   * null if a page of it is not live there.
   */
  holders(domain: number, pfn: number, pages: number): Placement[] | null {
    const t = this.domains.get(domain);
    if (!t || pages <= 0) return null;
    const out: Placement[] = [];
    let at = pfn;
    const first = t.floorValue(pfn);
    if (!first || first.pfn + first.pages <= pfn) return null;
    let ok = true;
    let cur: Interval | undefined = first;
    while (cur && at < pfn + pages) {
      if (cur.pfn > at) {
        ok = false;
        break;
      }
      out.push(cur.at);
      at = cur.pfn + cur.pages;
      if (at >= pfn + pages) break;
      cur = t.get(at);
    }
    return ok && at >= pfn + pages ? out : null;
  }

  add(domain: number, pfn: number, pages: number, at: Placement): void {
    if (pages <= 0) return;
    this.cut(domain, pfn, pages);
    this.domains.set(domain, this.tree(domain).set(pfn, { pfn, pages, at }, this.tx));
  }

  /** Removes [pfn, pfn + pages) from the domain, keeping what a partly covered mapping leaves. */
  remove(domain: number, pfn: number, pages: number): void {
    this.cut(domain, pfn, pages);
  }

  private cut(domain: number, pfn: number, pages: number): void {
    let t = this.domains.get(domain);
    if (!t) return;
    const end = pfn + pages;
    const hit: Interval[] = [];
    const before = t.floorValue(pfn);
    if (before && before.pfn < pfn && before.pfn + before.pages > pfn) hit.push(before);
    t.forEachInRange(pfn, end - 1, (_k, v) => {
      hit.push(v);
    });
    for (const v of hit) {
      t = t.delete(v.pfn, this.tx);
      if (v.pfn < pfn) t = t.set(v.pfn, { pfn: v.pfn, pages: pfn - v.pfn, at: v.at }, this.tx);
      const vEnd = v.pfn + v.pages;
      if (vEnd > end) t = t.set(end, { pfn: end, pages: vEnd - end, at: v.at }, this.tx);
    }
    this.domains.set(domain, t);
  }

  /** Whether the domain holds anything live (a mid-run trace's domains start empty). */
  isEmpty(domain: number): boolean {
    return this.tree(domain).maxKey() === undefined;
  }
}
