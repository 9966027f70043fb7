// A persistent sorted map from integer keys (pfns, ids) to values: a B+tree whose nodes are
// shared between versions. An update copies only the O(log n) nodes on its path, so a state
// kept as a checkpoint costs nothing until the next version diverges from it.
//
// Transient edits: every update takes a Tx. Nodes created under a Tx belong to it and are
// changed in place by later updates of the same Tx; nodes of older versions are copied first.
// So is the map object itself: an update returns the map it was called on when the same Tx
// made it (a version the Tx made is not a version to keep until the Tx is done).
// A reducer opens one Tx per batch, so a batch of events touching the same leaf copies it once.
// Once the batch is done the Tx is never used again and every node it made is as immutable as
// the rest.

/** An edit token. Compare by identity. */
export class Tx {
  private static next = 1;
  readonly id = Tx.next++;
}

const MAX = 64;
const MIN = 16;

class Leaf<V> {
  private v: V[] | null;
  /** a leaf of a restored map whose values are decoded on first use (PMap.fromSortedLazy) */
  private fill: ((from: number, to: number) => V[]) | null = null;
  private from = 0;

  constructor(
    public owner: Tx | null,
    public keys: number[],
    vals: V[] | null,
  ) {
    this.v = vals;
  }

  get vals(): V[] {
    const v = this.v;
    return v !== null ? v : this.load();
  }

  set vals(v: V[]) {
    this.v = v;
    this.fill = null;
  }

  static lazy<V>(keys: number[], fill: (from: number, to: number) => V[], from: number): Leaf<V> {
    const l = new Leaf<V>(null, keys, null);
    l.fill = fill;
    l.from = from;
    return l;
  }

  private load(): V[] {
    const v = this.fill!(this.from, this.from + this.keys.length);
    if (v.length !== this.keys.length) throw new Error('PMap: a lazy leaf decoded to the wrong number of values');
    this.vals = v;
    return v;
  }
}

class Branch<V> {
  constructor(
    public owner: Tx | null,
    /** keys[i] separates kids[i] and kids[i+1]: every key in kids[i+1] is >= keys[i] */
    public keys: number[],
    public kids: Node<V>[],
    /** number of entries below */
    public size: number,
  ) {}
}

type Node<V> = Leaf<V> | Branch<V>;

function nodeLen<V>(n: Node<V>): number {
  return n instanceof Leaf ? n.keys.length : n.kids.length;
}

function ownLeaf<V>(n: Leaf<V>, tx: Tx): Leaf<V> {
  return n.owner === tx ? n : new Leaf(tx, n.keys.slice(), n.vals.slice());
}

function ownBranch<V>(n: Branch<V>, tx: Tx): Branch<V> {
  return n.owner === tx ? n : new Branch(tx, n.keys.slice(), n.kids.slice(), n.size);
}

function own<V>(n: Node<V>, tx: Tx): Node<V> {
  return n instanceof Leaf ? ownLeaf(n, tx) : ownBranch(n, tx);
}

/** first index i with keys[i] >= k */
function lowerBound(keys: number[], k: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** first index i with keys[i] > k: the child of a branch that may hold k */
function upperBound(keys: number[], k: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The branches from the root down to the leaf ownedLeafFor found (pathLen of them). */
const path: Branch<unknown>[] = [];
let pathLen = 0;

/** The leaf that may hold k, if it and every branch above it belong to tx (then `path` holds the branches). */
function ownedLeafFor<V>(root: Node<V>, k: number, tx: Tx): Leaf<V> | null {
  let n = root;
  pathLen = 0;
  while (n instanceof Branch) {
    if (n.owner !== tx) return null;
    path[pathLen++] = n as Branch<unknown>;
    n = n.kids[upperBound(n.keys, k)];
  }
  return n.owner === tx ? n : null;
}

// A leaf's arrays change at either end more often than not (keys handed out in order: IOVAs
// allocated top-down, seqs): push / unshift and pop / shift cost a fraction of a move there.
// In between, the elements are moved by hand: splice returns a new array of what it removed
// (an empty one for an insert), which was a quarter of the bytes a replay allocated.
function insertAt<T>(a: T[], i: number, x: T): void {
  const n = a.length;
  if (i === n) a.push(x);
  else if (i === 0) a.unshift(x);
  else {
    a.push(a[n - 1]);
    for (let j = n - 1; j > i; j--) a[j] = a[j - 1];
    a[i] = x;
  }
}

function removeAt<T>(a: T[], i: number): void {
  const n = a.length;
  if (i === n - 1) a.pop();
  else if (i === 0) a.shift();
  else {
    for (let j = i; j < n - 1; j++) a[j] = a[j + 1];
    a.pop();
  }
}

// Results of the recursive updates, passed back without allocating.
let splitRight: Node<unknown> | null = null;
let splitKey = 0;
let sizeDelta = 0;

function insert<V>(node: Node<V>, k: number, v: V, tx: Tx): Node<V> {
  if (node instanceof Leaf) {
    const i = lowerBound(node.keys, k);
    if (i < node.keys.length && node.keys[i] === k) {
      if (node.vals[i] === v) return node;
      const n = ownLeaf(node, tx);
      n.vals[i] = v;
      return n;
    }
    const n = ownLeaf(node, tx);
    insertAt(n.keys, i, k);
    insertAt(n.vals, i, v);
    sizeDelta = 1;
    if (n.keys.length > MAX) {
      const h = n.keys.length >>> 1;
      const right = new Leaf<V>(tx, n.keys.slice(h), n.vals.slice(h));
      n.keys.length = h;
      n.vals.length = h;
      splitRight = right as Node<unknown>;
      splitKey = right.keys[0];
    }
    return n;
  }
  const i = upperBound(node.keys, k);
  const child = node.kids[i];
  const nc = insert(child, k, v, tx);
  const right = splitRight as Node<V> | null;
  if (nc === child && right === null && sizeDelta === 0) return node;
  splitRight = null;
  const n = ownBranch(node, tx);
  n.kids[i] = nc;
  n.size += sizeDelta;
  if (right !== null) {
    insertAt(n.kids, i + 1, right);
    insertAt(n.keys, i, splitKey);
    if (n.kids.length > MAX) {
      const h = n.kids.length >>> 1;
      const promoted = n.keys[h - 1];
      const rk = n.kids.slice(h);
      const rb = new Branch<V>(tx, n.keys.slice(h), rk, 0);
      for (const c of rk) rb.size += subtreeSize(c);
      n.kids.length = h;
      n.keys.length = h - 1;
      n.size -= rb.size;
      splitRight = rb as Node<unknown>;
      splitKey = promoted;
    }
  }
  return n;
}

function subtreeSize<V>(n: Node<V>): number {
  return n instanceof Leaf ? n.keys.length : n.size;
}

function remove<V>(node: Node<V>, k: number, tx: Tx): Node<V> {
  if (node instanceof Leaf) {
    const i = lowerBound(node.keys, k);
    if (i >= node.keys.length || node.keys[i] !== k) return node;
    const n = ownLeaf(node, tx);
    removeAt(n.keys, i);
    removeAt(n.vals, i);
    sizeDelta = -1;
    return n;
  }
  const i = upperBound(node.keys, k);
  const child = node.kids[i];
  const nc = remove(child, k, tx);
  // an owned child changes in place: only "nothing removed" means nothing to do
  if (nc === child && sizeDelta === 0) return node;
  const n = ownBranch(node, tx);
  n.kids[i] = nc;
  n.size += sizeDelta;
  if (nodeLen(nc) < MIN && n.kids.length > 1) rebalance(n, i, tx);
  return n;
}

/** Child i of n is under-full: merge it with a sibling or borrow from one. */
function rebalance<V>(n: Branch<V>, i: number, tx: Tx): void {
  const li = i > 0 ? i - 1 : i; // merge/borrow between kids[li] and kids[li + 1]
  const left = n.kids[li];
  const right = n.kids[li + 1];
  if (nodeLen(left) + nodeLen(right) <= MAX) {
    n.kids[li] = merge(left, right, n.keys[li], tx);
    removeAt(n.kids, li + 1);
    removeAt(n.keys, li);
    return;
  }
  const l = own(left, tx);
  const r = own(right, tx);
  n.kids[li] = l;
  n.kids[li + 1] = r;
  if (l instanceof Leaf && r instanceof Leaf) {
    if (l.keys.length < r.keys.length) {
      l.keys.push(r.keys.shift()!);
      l.vals.push(r.vals.shift()!);
    } else {
      r.keys.unshift(l.keys.pop()!);
      r.vals.unshift(l.vals.pop()!);
    }
    n.keys[li] = r.keys[0];
    return;
  }
  const lb = l as Branch<V>;
  const rb = r as Branch<V>;
  if (lb.kids.length < rb.kids.length) {
    const moved = rb.kids.shift()!;
    lb.kids.push(moved);
    lb.keys.push(n.keys[li]);
    n.keys[li] = rb.keys.shift()!;
    const s = subtreeSize(moved);
    lb.size += s;
    rb.size -= s;
  } else {
    const moved = lb.kids.pop()!;
    rb.kids.unshift(moved);
    rb.keys.unshift(n.keys[li]);
    n.keys[li] = lb.keys.pop()!;
    const s = subtreeSize(moved);
    lb.size -= s;
    rb.size += s;
  }
}

function merge<V>(left: Node<V>, right: Node<V>, sep: number, tx: Tx): Node<V> {
  if (left instanceof Leaf && right instanceof Leaf) {
    const m = ownLeaf(left, tx);
    for (let j = 0; j < right.keys.length; j++) {
      m.keys.push(right.keys[j]);
      m.vals.push(right.vals[j]);
    }
    return m;
  }
  const m = ownBranch(left as Branch<V>, tx);
  const r = right as Branch<V>;
  m.keys.push(sep);
  for (const key of r.keys) m.keys.push(key);
  for (const kid of r.kids) m.kids.push(kid);
  m.size += r.size;
  return m;
}

function maxKeyOf<V>(n: Node<V>): number | undefined {
  while (n instanceof Branch) n = n.kids[n.kids.length - 1];
  return n.keys.length ? n.keys[n.keys.length - 1] : undefined;
}

function minKeyOf<V>(n: Node<V>): number | undefined {
  while (n instanceof Branch) n = n.kids[0];
  return n.keys.length ? n.keys[0] : undefined;
}

/** The leaf and index of the greatest key <= k (null if none): one descent, and a step left when the child holding k's range has only greater keys. */
let floorLeaf: Leaf<unknown> | null = null;
let floorIndex = 0;

function floorAt<V>(n: Node<V>, k: number): boolean {
  if (n instanceof Leaf) {
    const i = upperBound(n.keys, k);
    if (i === 0) return false;
    floorLeaf = n as Leaf<unknown>;
    floorIndex = i - 1;
    return true;
  }
  for (let i = upperBound(n.keys, k); i >= 0; i--) if (floorAt(n.kids[i], k)) return true;
  return false;
}

function floorIn<V>(n: Node<V>, k: number): number | undefined {
  if (!floorAt(n, k)) return undefined;
  const key = floorLeaf!.keys[floorIndex];
  floorLeaf = null;
  return key;
}

function ceilIn<V>(n: Node<V>, k: number): number | undefined {
  if (n instanceof Leaf) {
    const i = lowerBound(n.keys, k);
    return i < n.keys.length ? n.keys[i] : undefined;
  }
  const start = upperBound(n.keys, k);
  for (let i = start; i < n.kids.length; i++) {
    const r = i === start ? ceilIn(n.kids[i], k) : minKeyOf(n.kids[i]);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** Appends the values of keys in [lo, hi], in order, to out. */
function collect<V>(n: Node<V>, lo: number, hi: number, out: V[]): boolean {
  if (n instanceof Leaf) {
    const keys = n.keys;
    for (let i = lowerBound(keys, lo); i < keys.length; i++) {
      if (keys[i] > hi) return false;
      out.push(n.vals[i]);
    }
    return true;
  }
  for (let i = upperBound(n.keys, lo); i < n.kids.length; i++) {
    if (i > 0 && n.keys[i - 1] > hi) return false;
    if (!collect(n.kids[i], lo, hi, out)) return false;
  }
  return true;
}

/** set by collectFromFloor: the greatest key <= k was found in the subtree */
let floorFound = false;

/** Appends the value of the greatest key <= k, then those of the keys in (k, hi] (each only if its key <= hi). */
function collectFromFloor<V>(n: Node<V>, k: number, hi: number, out: V[]): boolean {
  if (n instanceof Leaf) {
    const keys = n.keys;
    let i = upperBound(keys, k);
    floorFound = i > 0;
    if (floorFound) i--;
    for (; i < keys.length; i++) {
      if (keys[i] > hi) return false;
      out.push(n.vals[i]);
    }
    return true;
  }
  const i = upperBound(n.keys, k);
  let more = collectFromFloor(n.kids[i], k, hi, out);
  if (!floorFound && i > 0) {
    // the child holding k's range has only greater keys (separators outlive deletes): the floor
    // is the last key of its left sibling
    let m = n.kids[i - 1];
    while (m instanceof Branch) m = m.kids[m.kids.length - 1];
    if (m.keys.length > 0 && m.keys[m.keys.length - 1] <= hi) out.unshift(m.vals[m.vals.length - 1]);
    floorFound = true;
  }
  for (let j = i + 1; more && j < n.kids.length; j++) {
    if (n.keys[j - 1] > hi) return false;
    more = collect(n.kids[j], k + 1, hi, out);
  }
  return more;
}

/** Visits [lo, hi] in order; stops when fn returns false. Returns false if stopped. */
function walk<V>(n: Node<V>, lo: number, hi: number, fn: (k: number, v: V) => boolean | void): boolean {
  if (n instanceof Leaf) {
    for (let i = lowerBound(n.keys, lo); i < n.keys.length; i++) {
      const key = n.keys[i];
      if (key > hi) return true;
      if (fn(key, n.vals[i]) === false) return false;
    }
    return true;
  }
  const first = upperBound(n.keys, lo);
  for (let i = first; i < n.kids.length; i++) {
    if (i > 0 && n.keys[i - 1] > hi) return true;
    if (!walk(n.kids[i], lo, hi, fn)) return false;
  }
  return true;
}

function walkDown<V>(n: Node<V>, hi: number, fn: (k: number, v: V) => boolean | void): boolean {
  if (n instanceof Leaf) {
    for (let i = upperBound(n.keys, hi) - 1; i >= 0; i--) if (fn(n.keys[i], n.vals[i]) === false) return false;
    return true;
  }
  for (let i = upperBound(n.keys, hi); i >= 0; i--) if (!walkDown(n.kids[i], hi, fn)) return false;
  return true;
}

export class PMap<V> {
  private constructor(
    private root: Node<V> | null,
    readonly size: number,
    /** the Tx that made this version: its later edits change it in place (no wrapper per edit) */
    private readonly owner: Tx | null = null,
  ) {}

  private static readonly EMPTY = new PMap<never>(null, 0);

  /** this version with a new root and size: itself when the Tx made it, else a new one */
  private next(root: Node<V> | null, size: number, tx: Tx): PMap<V> {
    if (this.owner !== tx) return new PMap(root, size, tx);
    this.root = root;
    (this as { size: number }).size = size;
    return this;
  }

  static empty<V>(): PMap<V> {
    return PMap.EMPTY as PMap<V>;
  }

  /** Builds a map from keys in strictly increasing order (snapshot restore): O(n). */
  static fromSorted<V>(keys: readonly number[], vals: readonly V[]): PMap<V> {
    if (keys.length !== vals.length) throw new Error('PMap.fromSorted: keys and values differ in length');
    return PMap.build(keys, (i, j) => new Leaf<V>(null, keys.slice(i, j), vals.slice(i, j)));
  }

  /**
   * As fromSorted, with the values of keys[from..to) made by `vals(from, to)` only when a leaf
   * holding them is first read or copied (a restored checkpoint: a seek touches a few leaves of
   * a map of thousands). `vals` must give the same values whenever it is called.
   */
  static fromSortedLazy<V>(keys: readonly number[], vals: (from: number, to: number) => V[]): PMap<V> {
    return PMap.build(keys, (i, j) => Leaf.lazy<V>(keys.slice(i, j), vals, i));
  }

  private static build<V>(keys: readonly number[], leaf: (from: number, to: number) => Leaf<V>): PMap<V> {
    for (let i = 1; i < keys.length; i++) if (!(keys[i] > keys[i - 1])) throw new Error('PMap.fromSorted: keys not strictly increasing');
    if (keys.length === 0) return PMap.empty();
    const fill = Math.max(MIN, Math.floor((MAX * 3) / 4));
    let level: Node<V>[] = [];
    let mins: number[] = [];
    // leaves of `fill` keys; a last one short of MIN shares the last two leaves' keys evenly
    // with the one before (as fixTail does for branches), so no leaf is made twice
    const n = keys.length;
    const shortTail = n > fill && n % fill !== 0 && n % fill < MIN;
    const even = shortTail ? n - (n % fill) - fill : n;
    for (let i = 0; i < even; i += fill) {
      level.push(leaf(i, Math.min(i + fill, n)));
      mins.push(keys[i]);
    }
    if (shortTail) {
      const h = even + ((n - even) >>> 1);
      level.push(leaf(even, h), leaf(h, n));
      mins.push(keys[even], keys[h]);
    }
    while (level.length > 1) {
      const next: Node<V>[] = [];
      const nextMins: number[] = [];
      for (let i = 0; i < level.length; i += fill) {
        const kids = level.slice(i, i + fill);
        let size = 0;
        for (const c of kids) size += subtreeSize(c);
        next.push(new Branch<V>(null, mins.slice(i + 1, i + kids.length), kids, size));
        nextMins.push(mins[i]);
      }
      fixTail(next, nextMins);
      level = next;
      mins = nextMins;
    }
    return new PMap(level[0], keys.length);
  }

  get(k: number): V | undefined {
    let n = this.root;
    if (n === null) return undefined;
    while (n instanceof Branch) n = n.kids[upperBound(n.keys, k)];
    const i = lowerBound(n.keys, k);
    return i < n.keys.length && n.keys[i] === k ? n.vals[i] : undefined;
  }

  has(k: number): boolean {
    return this.get(k) !== undefined;
  }

  /**
   * The map with key k changed by fn(old value, arg): set to what it returns, or removed when it
   * returns undefined. get() then set() / delete() in one descent when the Tx owns the path (a
   * reducer reading a key to replace it: the DMA-API entries of a map or unmap call); `fn` and
   * `arg` apart so that a caller needs no closure per call.
   */
  alter<A>(k: number, tx: Tx, fn: (old: V | undefined, arg: A) => V | undefined, arg: A): PMap<V> {
    const leaf = this.root === null ? null : ownedLeafFor(this.root, k, tx);
    if (leaf !== null) {
      const i = lowerBound(leaf.keys, k);
      const found = i < leaf.keys.length && leaf.keys[i] === k;
      const next = fn(found ? leaf.vals[i] : undefined, arg);
      if (found && next !== undefined) {
        leaf.vals[i] = next;
        return this;
      }
      if (!found && next === undefined) return this;
      if (!found && leaf.keys.length < MAX) {
        insertAt(leaf.keys, i, k);
        insertAt(leaf.vals, i, next as V);
        for (let d = 0; d < pathLen; d++) path[d].size++;
        return this.next(this.root, this.size + 1, tx);
      }
      if (found && leaf.keys.length > (pathLen === 0 ? 1 : MIN)) {
        removeAt(leaf.keys, i);
        removeAt(leaf.vals, i);
        for (let d = 0; d < pathLen; d++) path[d].size--;
        return this.next(this.root, this.size - 1, tx);
      }
      // a split or a rebalance: the general paths below (fn is not called twice)
      return next === undefined ? this.delete(k, tx) : this.set(k, next, tx);
    }
    const next = fn(this.get(k), arg);
    return next === undefined ? this.delete(k, tx) : this.set(k, next, tx);
  }

  set(k: number, v: V, tx: Tx): PMap<V> {
    if (this.root === null) return this.next(new Leaf<V>(tx, [k], [v]), 1, tx);
    const leaf = ownedLeafFor(this.root, k, tx);
    if (leaf !== null) {
      // the same outcome as insert() below, without its recursion: the path is the Tx's already
      const i = lowerBound(leaf.keys, k);
      if (i < leaf.keys.length && leaf.keys[i] === k) {
        leaf.vals[i] = v;
        return this;
      }
      if (leaf.keys.length < MAX) {
        insertAt(leaf.keys, i, k);
        insertAt(leaf.vals, i, v);
        for (let d = 0; d < pathLen; d++) path[d].size++;
        return this.next(this.root, this.size + 1, tx);
      }
    }
    sizeDelta = 0;
    splitRight = null;
    let root = insert(this.root, k, v, tx);
    const right = splitRight as Node<V> | null;
    if (right !== null) {
      splitRight = null;
      root = new Branch<V>(tx, [splitKey], [root, right], subtreeSize(root) + subtreeSize(right));
    }
    if (root === this.root && sizeDelta === 0) return this;
    return this.next(root, this.size + sizeDelta, tx);
  }

  delete(k: number, tx: Tx): PMap<V> {
    if (this.root === null) return this;
    const leaf = ownedLeafFor(this.root, k, tx);
    if (leaf !== null) {
      const i = lowerBound(leaf.keys, k);
      if (i >= leaf.keys.length || leaf.keys[i] !== k) return this;
      // no rebalance, no emptied root: the same outcome as remove() below, in place
      if (leaf.keys.length > (pathLen === 0 ? 1 : MIN)) {
        removeAt(leaf.keys, i);
        removeAt(leaf.vals, i);
        for (let d = 0; d < pathLen; d++) path[d].size--;
        return this.next(this.root, this.size - 1, tx);
      }
    }
    sizeDelta = 0;
    let root: Node<V> | null = remove(this.root, k, tx);
    if (root === this.root && sizeDelta === 0) return this;
    if (root instanceof Branch && root.kids.length === 1) root = root.kids[0];
    if (root instanceof Leaf && root.keys.length === 0) root = null;
    return this.next(root, this.size + sizeDelta, tx);
  }

  /** greatest key <= k */
  floorKey(k: number): number | undefined {
    return this.root === null ? undefined : floorIn(this.root, k);
  }

  /** the value of the greatest key <= k */
  floorValue(k: number): V | undefined {
    if (this.root === null || !floorAt(this.root, k)) return undefined;
    const v = (floorLeaf as Leaf<V>).vals[floorIndex];
    floorLeaf = null;
    return v;
  }

  /**
   * Appends the value of the greatest key <= k, then the values of the keys in (k, hi], in key
   * order, each only if its key is <= hi: floorValue and valuesInRange in one descent.
   */
  valuesFromFloor(k: number, hi: number, out: V[]): V[] {
    if (this.root !== null) collectFromFloor(this.root, k, hi, out);
    return out;
  }

  /** Appends the values of the keys in [lo, hi] to `out`, in key order (a walk without a callback). */
  valuesInRange(lo: number, hi: number, out: V[]): V[] {
    if (this.root !== null && lo <= hi) collect(this.root, lo, hi, out);
    return out;
  }

  /** least key >= k */
  ceilKey(k: number): number | undefined {
    return this.root === null ? undefined : ceilIn(this.root, k);
  }

  /** greatest key < k (integer keys) */
  lowerKey(k: number): number | undefined {
    return this.floorKey(k - 1);
  }

  /** least key > k (integer keys) */
  higherKey(k: number): number | undefined {
    return this.ceilKey(k + 1);
  }

  minKey(): number | undefined {
    return this.root === null ? undefined : minKeyOf(this.root);
  }

  maxKey(): number | undefined {
    return this.root === null ? undefined : maxKeyOf(this.root);
  }

  /** In key order over [lo, hi]; fn returning false stops the walk. */
  forEachInRange(lo: number, hi: number, fn: (k: number, v: V) => boolean | void): void {
    if (this.root !== null) walk(this.root, lo, hi, fn);
  }

  /** In decreasing key order from the greatest key <= hi; fn returning false stops the walk. */
  forEachDescending(hi: number, fn: (k: number, v: V) => boolean | void): void {
    if (this.root !== null) walkDown(this.root, hi, fn);
  }

  forEach(fn: (k: number, v: V) => boolean | void): void {
    if (this.root !== null) walk(this.root, -Infinity, Infinity, fn);
  }

  /**
   * The leaves in key order, as their key and value arrays. Once the Tx that made a version is
   * done its leaves never change, and a later Tx copies a leaf before changing it: a leaf two
   * such versions share is the same pair of arrays, so a diff skips it by identity.
   */
  forEachLeaf(fn: (keys: readonly number[], vals: readonly V[]) => void): void {
    if (this.root !== null) leavesOf(this.root, fn);
  }

  keys(): number[] {
    const out: number[] = [];
    this.forEach((k) => void out.push(k));
    return out;
  }

  entries(): [number, V][] {
    const out: [number, V][] = [];
    this.forEach((k, v) => void out.push([k, v]));
    return out;
  }

  /** Depth of the tree; for tests of balance. */
  depth(): number {
    let d = 0;
    let n = this.root;
    while (n !== null) {
      d++;
      n = n instanceof Branch ? n.kids[0] : null;
    }
    return d;
  }
}

function leavesOf<V>(n: Node<V>, fn: (keys: readonly number[], vals: readonly V[]) => void): void {
  if (n instanceof Leaf) fn(n.keys, n.vals);
  else for (const kid of n.kids) leavesOf(kid, fn);
}

/** Keeps the last branch of a bulk-loaded level at least MIN full by borrowing from its left (leaves: PMap.build). */
function fixTail<V>(level: Node<V>[], mins: number[]): void {
  if (level.length < 2) return;
  const last = level[level.length - 1];
  if (nodeLen(last) >= MIN) return;
  const prev = level[level.length - 2];
  const pb = prev as Branch<V>;
  const lb = last as Branch<V>;
  const kids = pb.kids.concat(lb.kids);
  const keys = pb.keys.concat([mins[mins.length - 1]], lb.keys);
  const h = kids.length >>> 1;
  const lk = kids.slice(0, h);
  const rk = kids.slice(h);
  let ls = 0;
  let rs = 0;
  for (const c of lk) ls += subtreeSize(c);
  for (const c of rk) rs += subtreeSize(c);
  level[level.length - 2] = new Branch(null, keys.slice(0, h - 1), lk, ls);
  level[level.length - 1] = new Branch(null, keys.slice(h), rk, rs);
  mins[mins.length - 1] = keys[h - 1];
}
