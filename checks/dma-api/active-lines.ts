// The active cachelines of dma-api/cacheline-overlap (debug.c (6.1–7.2)'s radix tree of active cachelines,
// with its overlap count): for each cacheline, the seqs of the live mappings that start in it.
// A line holds one mapping but for the faults the check reports, so a lone seq lives in an
// open-addressing table of one typed array (slot: line, seq; no object per mapping), several in
// a Map beside it.

/** a free slot: no line is negative */
const FREE = -1;

/** cacheline -> seqs of the active mappings starting in it, oldest first */
export class ActiveLines {
  private t = ActiveLines.table(1 << 10);
  private mask = (1 << 10) - 1;
  private used = 0;
  private readonly several = new Map<number, number[]>();

  private static table(slots: number): Float64Array {
    const t = new Float64Array(2 * slots);
    for (let i = 0; i < t.length; i += 2) t[i] = FREE;
    return t;
  }

  /** the offset of the line's slot, or of the free slot where it would go (linear probing, at most half full) */
  private slot(l: number): number {
    const h = Math.imul((l >>> 0) ^ Math.imul((l * 2.3283064365386963e-10) | 0, 0x85ebca6b), 0x9e3779b1);
    const t = this.t;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const k = t[2 * i];
      if (k === l || k === FREE) return 2 * i;
      i = (i + 1) & mask;
    }
  }

  /** the newest active mapping in the line, if any; the mapping joins the line */
  insert(l: number, seq: number): number | undefined {
    const i = this.slot(l);
    const t = this.t;
    if (t[i] === FREE) {
      t[i] = l;
      t[i + 1] = seq;
      if (++this.used * 2 > this.mask) this.grow();
      return undefined;
    }
    const list = this.several.get(l);
    if (list === undefined) {
      const last = t[i + 1];
      this.several.set(l, [last, seq]);
      return last;
    }
    const last = list[list.length - 1];
    list.push(seq);
    return last;
  }

  remove(l: number, seq: number): void {
    const i = this.slot(l);
    const t = this.t;
    if (t[i] === FREE) return;
    const list = this.several.get(l);
    if (list === undefined) {
      if (t[i + 1] === seq) this.free(i);
      return;
    }
    const rest = list.filter((x) => x !== seq);
    if (rest.length > 1) this.several.set(l, rest);
    else {
      this.several.delete(l);
      if (rest.length === 1) t[i + 1] = rest[0];
      else this.free(i);
    }
  }

  /** frees the slot at offset i and moves later entries of its probe run back (no tombstones) */
  private free(i: number): void {
    const t = this.t;
    const mask = this.mask;
    t[i] = FREE;
    this.used--;
    let j = i / 2;
    for (;;) {
      j = (j + 1) & mask;
      const k = t[2 * j];
      if (k === FREE) return;
      const seq = t[2 * j + 1];
      t[2 * j] = FREE;
      const to = this.slot(k);
      t[to] = k;
      t[to + 1] = seq;
    }
  }

  private grow(): void {
    const old = this.t;
    const slots = (this.mask + 1) * 2;
    this.t = ActiveLines.table(slots);
    this.mask = slots - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] === FREE) continue;
      const i = this.slot(old[j]);
      this.t[i] = old[j];
      this.t[i + 1] = old[j + 1];
    }
  }

  clear(): void {
    this.t = ActiveLines.table(1 << 10);
    this.mask = (1 << 10) - 1;
    this.used = 0;
    this.several.clear();
  }
}
