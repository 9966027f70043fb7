// Which domains map each physical page, and how many times: the reverse of the page tables,
// kept for the pages of the runs iommu/phys-shared counts. Every mapped 4 KiB page has an entry,
// and a map or unmap touches a run of consecutive pages, so pages are kept by blocks of 16 in an
// open-addressing table of typed arrays (no object per page; a run of pages is one or two
// lookups): the block numbers in an array of their own (a probe reads 8 bytes a slot, not a
// slot's 264: the pages are random, and a probe that walks the slots missed the cache at every
// step), and per slot how many of its pages are mapped and per page the domain mapping it and
// how many times. A page mapped in several domains keeps its domains in a Map, in
// the order they came to map it (the first is the one a finding names).

const BLOCK_SHIFT = 4;
const BLOCK = 1 << BLOCK_SHIFT;
/** per slot in the data: pages in use, then (domain, mappings) per page (its block number is in keys) */
const STRIDE = 1 + 2 * BLOCK;
const FREE = -1;
/** the domain of a page no domain maps */
const NONE = -1;
/** the domain of a page mapped in several domains: see `multi` */
const SHARED = -2;
const INITIAL_SLOTS = 1 << 10;

export class PageOwners {
  /** per slot: its block number, FREE */
  private keys = PageOwners.keyTable(INITIAL_SLOTS);
  private t = new Float64Array(INITIAL_SLOTS * STRIDE);
  private mask = INITIAL_SLOTS - 1;
  private used = 0;
  private readonly multi = new Map<number, Map<number, number>>();
  /** the domain addPages found sharing its first shared page */
  sharedWith = -1;

  private static keyTable(slots: number): Float64Array {
    return new Float64Array(slots).fill(FREE);
  }

  /**
   * The data offset of the block's slot, or of the free slot where it would go (linear probing,
   * at most half full); the slot is offset / STRIDE, its block number keys[slot].
   */
  private slot(block: number): number {
    // block numbers reach past 2^32: mix both halves (the high one by an exact multiplication by 2^-32)
    const h = Math.imul((block >>> 0) ^ Math.imul((block * 2.3283064365386963e-10) | 0, 0x85ebca6b), 0x9e3779b1);
    const keys = this.keys;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const k = keys[i];
      if (k === block || k === FREE) return i * STRIDE;
      i = (i + 1) & mask;
    }
  }

  private isFree(s: number): boolean {
    return this.keys[s / STRIDE] === FREE;
  }

  /** the slot offset of the block, made if missing */
  private blockSlot(block: number): number {
    let s = this.slot(block);
    if (!this.isFree(s)) return s;
    if ((this.used + 1) * 2 > this.mask) {
      this.grow();
      s = this.slot(block);
    }
    const t = this.t;
    this.keys[s / STRIDE] = block;
    t[s] = 0;
    for (let j = s + 1; j < s + STRIDE; j += 2) {
      t[j] = NONE;
      t[j + 1] = 0;
    }
    this.used++;
    return s;
  }

  /** the first domain other than `domain` that maps the page, or null */
  other(ppfn: number, domain: number): number | null {
    const s = this.slot(Math.floor(ppfn / BLOCK));
    if (this.isFree(s)) return null;
    return this.otherAt(s + 1 + 2 * (ppfn % BLOCK), ppfn, domain);
  }

  private otherAt(j: number, ppfn: number, domain: number): number | null {
    const owner = this.t[j];
    if (owner === NONE) return null;
    if (owner !== SHARED) return owner === domain ? null : owner;
    for (const d of this.multi.get(ppfn)!.keys()) if (d !== domain) return d;
    return null;
  }

  /**
   * Adds a mapping of pages [ppfn, ppfn + n) in `domain`; returns the first page another domain
   * maps too, or -1; `sharedWith` is then that domain (the first to map it).
   */
  addPages(ppfn: number, n: number, domain: number): number {
    let hit = -1;
    const end = ppfn + n;
    for (let p = ppfn; p < end; ) {
      const block = Math.floor(p / BLOCK);
      const s = this.blockSlot(block);
      const stop = Math.min(end, (block + 1) * BLOCK);
      const t = this.t;
      for (; p < stop; p++) {
        const j = s + 1 + 2 * (p - block * BLOCK);
        const owner = t[j];
        if (owner === domain) t[j + 1]++;
        else if (owner === NONE) {
          t[j] = domain;
          t[j + 1] = 1;
          t[s]++;
        } else {
          if (hit < 0) {
            hit = p;
            this.sharedWith = this.otherAt(j, p, domain)!;
          }
          this.addAt(s, j, p, domain, 1);
        }
      }
    }
    return hit;
  }

  /** adds (by > 0) or removes (by < 0) mappings of pages [ppfn, ppfn + n) in the domain */
  add(ppfn: number, n: number, domain: number, by: number): void {
    const end = ppfn + n;
    for (let p = ppfn; p < end; ) {
      const block = Math.floor(p / BLOCK);
      const stop = Math.min(end, (block + 1) * BLOCK);
      let s = this.slot(block);
      if (this.isFree(s)) {
        if (by <= 0) {
          p = stop;
          continue;
        }
        s = this.blockSlot(block);
      }
      const t = this.t;
      for (; p < stop; p++) {
        const j = s + 1 + 2 * (p - block * BLOCK);
        // the common case in line: the page's one owner gains or keeps some mappings
        if (t[j] === domain) {
          const c = t[j + 1] + by;
          if (c > 0) {
            t[j + 1] = c;
            continue;
          }
        }
        this.addAt(s, j, p, domain, by);
      }
      if (this.t[s] === 0) this.remove(s);
    }
  }

  /** page entry at offset j of the block at offset s */
  private addAt(s: number, j: number, ppfn: number, domain: number, by: number): void {
    const t = this.t;
    const owner = t[j];
    if (owner === NONE) {
      if (by > 0) {
        t[j] = domain;
        t[j + 1] = by;
        t[s]++;
      }
      return;
    }
    if (owner === SHARED) {
      const m = this.multi.get(ppfn)!;
      const n = (m.get(domain) ?? 0) + by;
      if (n > 0) m.set(domain, n);
      else m.delete(domain);
      if (m.size === 1) {
        for (const [d, c] of m) {
          t[j] = d;
          t[j + 1] = c;
        }
        this.multi.delete(ppfn);
      } else if (m.size === 0) {
        this.multi.delete(ppfn);
        t[j] = NONE;
        t[j + 1] = 0;
        t[s]--;
      }
      return;
    }
    if (owner === domain) {
      const n = t[j + 1] + by;
      if (n > 0) t[j + 1] = n;
      else {
        t[j] = NONE;
        t[j + 1] = 0;
        t[s]--;
      }
      return;
    }
    if (by <= 0) return;
    t[j] = SHARED;
    this.multi.set(
      ppfn,
      new Map([
        [owner, t[j + 1]],
        [domain, by],
      ]),
    );
  }

  /** frees the block slot at offset s and moves later blocks of its probe run back (no tombstones) */
  private remove(s: number): void {
    const t = this.t;
    const keys = this.keys;
    const mask = this.mask;
    let i = s / STRIDE;
    keys[i] = FREE;
    this.used--;
    for (;;) {
      i = (i + 1) & mask;
      const k = keys[i];
      if (k === FREE) return;
      keys[i] = FREE;
      const at = i * STRIDE;
      const to = this.slot(k);
      if (to !== at) t.copyWithin(to, at, at + STRIDE);
      keys[to / STRIDE] = k;
    }
  }

  private grow(): void {
    const old = this.t;
    const oldKeys = this.keys;
    const slots = (this.mask + 1) * 2;
    this.keys = PageOwners.keyTable(slots);
    this.t = new Float64Array(slots * STRIDE);
    this.mask = slots - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i];
      if (k === FREE) continue;
      const to = this.slot(k);
      this.keys[to / STRIDE] = k;
      this.t.set(old.subarray(i * STRIDE, (i + 1) * STRIDE), to);
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
      const block = Math.floor(ppfn / BLOCK);
      const s = this.blockSlot(block);
      const j = s + 1 + 2 * (ppfn - block * BLOCK);
      if (this.t[j] === NONE) this.t[s]++;
      this.t[j] = SHARED;
      this.t[j + 1] = 0;
      this.multi.set(ppfn, m);
    }
  }

  clear(): void {
    this.keys = PageOwners.keyTable(INITIAL_SLOTS);
    this.t = new Float64Array(INITIAL_SLOTS * STRIDE);
    this.mask = INITIAL_SLOTS - 1;
    this.used = 0;
    this.multi.clear();
  }
}
