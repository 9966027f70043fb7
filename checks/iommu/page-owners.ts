// Which domains map each physical page, and how many times: the reverse of the page tables,
// kept for the pages of the runs iommu/phys-shared counts. Compact for the common page mapped in
// one domain only; a page mapped in several keeps its domains in the order they came to map it
// (the first is the one a finding names).

/** owner encoding for a page mapped in one domain only: domain * SHIFT + mappings */
const SHIFT = 2 ** 20;

export class PageOwners {
  private readonly single = new Map<number, number>();
  private readonly multi = new Map<number, Map<number, number>>();

  /** the first domain other than `domain` that maps the page, or null */
  other(ppfn: number, domain: number): number | null {
    const v = this.single.get(ppfn);
    if (v !== undefined) {
      const owner = Math.floor(v / SHIFT);
      return owner === domain ? null : owner;
    }
    const m = this.multi.get(ppfn);
    if (m !== undefined) for (const d of m.keys()) if (d !== domain) return d;
    return null;
  }

  /** adds (by > 0) or removes (by < 0) mappings of the page in the domain */
  add(ppfn: number, domain: number, by: number): void {
    const m = this.multi.get(ppfn);
    if (m !== undefined) {
      const n = (m.get(domain) ?? 0) + by;
      if (n > 0) m.set(domain, n);
      else m.delete(domain);
      if (m.size === 1) {
        const [[d, c]] = [...m];
        this.multi.delete(ppfn);
        this.single.set(ppfn, d * SHIFT + c);
      } else if (m.size === 0) this.multi.delete(ppfn);
      return;
    }
    const v = this.single.get(ppfn);
    if (v === undefined) {
      if (by > 0) this.single.set(ppfn, domain * SHIFT + by);
      return;
    }
    const owner = Math.floor(v / SHIFT);
    const count = v % SHIFT;
    if (owner === domain) {
      if (count + by > 0) this.single.set(ppfn, owner * SHIFT + count + by);
      else this.single.delete(ppfn);
      return;
    }
    if (by <= 0) return;
    this.single.delete(ppfn);
    this.multi.set(
      ppfn,
      new Map([
        [owner, count],
        [domain, by],
      ]),
    );
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
      this.single.delete(ppfn);
      this.multi.set(ppfn, m);
    }
  }

  clear(): void {
    this.single.clear();
    this.multi.clear();
  }
}
