// Which domains map each physical page, and how many times: the reverse of the page tables,
// kept for the pages of the runs iommu/phys-shared counts. Every mapped 4 KiB page has an entry,
// so the common page (mapped in one domain) lives in an open-addressing table of typed arrays
// (no object per page); a page mapped in several domains keeps its domains in a Map, in the
// order they came to map it (the first is the one a finding names).

const EMPTY = -1;
/** dom[] of a page mapped in several domains: see `multi` */
const SHARED = -2;

export class PageOwners {
  /** ppfn of each slot, EMPTY when free (linear probing, at most half full) */
  private keys = new Float64Array(1 << 12).fill(EMPTY);
  private dom = new Float64Array(1 << 12);
  private count = new Float64Array(1 << 12);
  private mask = (1 << 12) - 1;
  private used = 0;
  private readonly multi = new Map<number, Map<number, number>>();

  private slot(ppfn: number): number {
    // pfns reach past 2^32: mix both halves
    const h = Math.imul((ppfn >>> 0) ^ Math.imul((ppfn / 4294967296) | 0, 0x85ebca6b), 0x9e3779b1);
    let i = (h ^ (h >>> 15)) & this.mask;
    const keys = this.keys;
    while (keys[i] !== ppfn && keys[i] !== EMPTY) i = (i + 1) & this.mask;
    return i;
  }

  /** the first domain other than `domain` that maps the page, or null */
  other(ppfn: number, domain: number): number | null {
    const i = this.slot(ppfn);
    if (this.keys[i] === EMPTY) return null;
    const owner = this.dom[i];
    if (owner !== SHARED) return owner === domain ? null : owner;
    for (const d of this.multi.get(ppfn)!.keys()) if (d !== domain) return d;
    return null;
  }

  /** adds (by > 0) or removes (by < 0) mappings of the page in the domain */
  add(ppfn: number, domain: number, by: number): void {
    const i = this.slot(ppfn);
    if (this.keys[i] === EMPTY) {
      if (by > 0) this.put(i, ppfn, domain, by);
      return;
    }
    const owner = this.dom[i];
    if (owner === SHARED) {
      const m = this.multi.get(ppfn)!;
      const n = (m.get(domain) ?? 0) + by;
      if (n > 0) m.set(domain, n);
      else m.delete(domain);
      if (m.size === 1) {
        for (const [d, c] of m) {
          this.dom[i] = d;
          this.count[i] = c;
        }
        this.multi.delete(ppfn);
      } else if (m.size === 0) {
        this.multi.delete(ppfn);
        this.remove(i);
      }
      return;
    }
    if (owner === domain) {
      const n = this.count[i] + by;
      if (n > 0) this.count[i] = n;
      else this.remove(i);
      return;
    }
    if (by <= 0) return;
    this.dom[i] = SHARED;
    this.multi.set(
      ppfn,
      new Map([
        [owner, this.count[i]],
        [domain, by],
      ]),
    );
  }

  private put(i: number, ppfn: number, domain: number, n: number): void {
    this.keys[i] = ppfn;
    this.dom[i] = domain;
    this.count[i] = n;
    if (++this.used * 2 > this.mask) this.grow();
  }

  /** frees slot i and moves later entries of its probe run back (no tombstones) */
  private remove(i: number): void {
    const { keys, dom, count, mask } = this;
    keys[i] = EMPTY;
    this.used--;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === EMPTY) return;
      keys[j] = EMPTY;
      const to = this.slot(k);
      keys[to] = k;
      dom[to] = dom[j];
      count[to] = count[j];
    }
  }

  private grow(): void {
    const { keys, dom, count } = this;
    const size = keys.length * 2;
    this.keys = new Float64Array(size).fill(EMPTY);
    this.dom = new Float64Array(size);
    this.count = new Float64Array(size);
    this.mask = size - 1;
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === EMPTY) continue;
      const i = this.slot(keys[j]);
      this.keys[i] = keys[j];
      this.dom[i] = dom[j];
      this.count[i] = count[j];
    }
  }

  /** the pages mapped in several domains, flat: ppfn, n, then n (domain, mappings) pairs in order */
  saveShared(): number[] {
    const out: number[] = [];
    for (const [ppfn, m] of this.multi) {
      out.push(ppfn, m.size);
      for (const [d, c] of m) out.push(d, c);
    }
    return out;
  }

  /** the order of each shared page's domains, as saveShared wrote it (the counts are the same) */
  restoreShared(flat: readonly number[]): void {
    for (let i = 0; i < flat.length; ) {
      const ppfn = flat[i];
      const n = flat[i + 1];
      const m = new Map<number, number>();
      for (let j = 0; j < n; j++) m.set(flat[i + 2 + 2 * j], flat[i + 3 + 2 * j]);
      i += 2 + 2 * n;
      const s = this.slot(ppfn);
      if (this.keys[s] === EMPTY) this.put(s, ppfn, SHARED, 0);
      else this.dom[s] = SHARED;
      this.multi.set(ppfn, m);
    }
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.used = 0;
    this.multi.clear();
  }
}
