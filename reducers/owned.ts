// Copy-on-write for the small records that hold a slice's big containers: a record made under
// a Tx is changed in place by later events of the same batch, one made earlier is copied
// first.
import { type Tx } from './pmap.js';

export interface Owned {
  readonly _tx?: Tx | null;
}

// Which Tx made a record is kept under a symbol key: Object.keys, JSON, msgpack, hashes and
// snapshots never see symbol keys, a plain assignment keeps the record's hidden class
// (defineProperty on every copy cost more than the reducers' own work, and a WeakMap of
// every record made GC the bottleneck of trace import). `_tx` stays in the types as a brand.
const TX: unique symbol = Symbol('iommu-journal.tx');
type Tagged = { [TX]?: Tx };

function tag<T extends object>(o: T, tx: Tx): T & { _tx: Tx } {
  (o as Tagged)[TX] = tx;
  return o as T & { _tx: Tx };
}

/** Marks `o`, just made, as made under `tx`: later edits of the same Tx may change it in place. */
export function claim<T extends object>(o: T, tx: Tx): T {
  return tag(o, tx);
}

/** true when `o` was made (or copied) under `tx`, so the batch may change it in place */
export function ownedBy(o: object, tx: Tx): boolean {
  return (o as Tagged)[TX] === tx;
}

export function editable<T extends Owned>(o: T, tx: Tx): T & { _tx: Tx } {
  if ((o as Tagged)[TX] === tx) return o as T & { _tx: Tx };
  return tag({ ...o }, tx);
}

/** A stack of pfns (an rcache magazine) or a queue of entries, copied once per batch. */
export function editableArray<T>(a: readonly T[] & Owned, tx: Tx): T[] & { _tx: Tx } {
  if ((a as Tagged)[TX] === tx) return a as T[] & { _tx: Tx };
  return tag(a.slice(), tx);
}

export function ownedArray<T>(items: T[], tx: Tx): T[] & { _tx: Tx } {
  return tag(items, tx);
}
