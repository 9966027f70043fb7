// An rcache magazine (iova.c (6.1, 6.12) struct iova_magazine, a stack of at most IOVA_MAG_SIZE = 127 pfns) as an
// immutable linked stack for the what-if allocator copies (shadow-iova.ts): a copy shares every
// magazine with the world it forked from, and a push or a pop makes one cell instead of copying
// the array. Indexes count from the bottom, as iova_magazine's pfns[] does.

export interface Mag {
  readonly pfn: number;
  readonly below: Mag | null;
  readonly size: number;
}

/** a magazine, null when empty */
export type Stack = Mag | null;

export function magSize(m: Stack): number {
  return m === null ? 0 : m.size;
}

export function magPush(m: Stack, pfn: number): Mag {
  return { pfn, below: m, size: m === null ? 1 : m.size + 1 };
}

export function magFromArray(pfns: readonly number[]): Stack {
  let m: Stack = null;
  for (const p of pfns) m = magPush(m, p);
  return m;
}

/** the pfns bottom first (the order iova_magazine_free_pfns frees them in) */
export function magToArray(m: Stack): number[] {
  const out = new Array<number>(magSize(m));
  for (let c = m; c !== null; c = c.below) out[c.size - 1] = c.pfn;
  return out;
}

/** iova_magazine_pop's choice: as kernel/iova/rcache.ts magazinePopIndex (-1: none fits). */
export function magPopIndex(m: Stack, bound: number, how: 'scan' | 'top-only'): number {
  if (how === 'top-only') return m !== null && m.pfn <= bound ? m.size - 1 : -1;
  for (let c = m; c !== null; c = c.below) if (c.pfn <= bound) return c.size - 1;
  return -1;
}

/** the pfn at index i (i < size) */
export function magAt(m: Mag, i: number): number {
  let c: Mag = m;
  while (c.size - 1 > i) c = c.below!;
  return c.pfn;
}

/** the lowest index holding pfn, as Array.indexOf (-1: none) */
export function magIndexOf(m: Stack, pfn: number): number {
  let found = -1;
  for (let c = m; c !== null; c = c.below) if (c.pfn === pfn) found = c.size - 1;
  return found;
}

/** iova_magazine_pop's removal: the top pfn takes slot i; only the cells above i are made again. */
export function magRemoveAt(m: Mag, i: number): Stack {
  if (i === m.size - 1) return m.below;
  const above: number[] = [];
  let c: Mag = m.below!;
  while (c.size - 1 > i) {
    above.push(c.pfn);
    c = c.below!;
  }
  let out = magPush(c.below, m.pfn);
  for (let j = above.length - 1; j >= 0; j--) out = magPush(out, above[j]);
  return out;
}

/** the magazine without the pfn at index i, the others in their order (not a pop: nothing moves into its slot) */
export function magWithout(m: Mag, i: number): Stack {
  if (i === m.size - 1) return m.below;
  const above: number[] = [];
  let c: Mag = m;
  while (c.size - 1 > i) {
    above.push(c.pfn);
    c = c.below!;
  }
  let out = c.below;
  for (let j = above.length - 1; j >= 0; j--) out = magPush(out, above[j]);
  return out;
}
