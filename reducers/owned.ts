// Copy-on-write for the small records that hold a slice's big containers: a record made under
// a Tx is changed in place by later events of the same batch, one made earlier is copied
// first.
import { type Tx } from './pmap.js';

export interface Owned {
  readonly _tx?: Tx | null;
}

// Which Tx made a record is kept beside it, not on it: spreads, Object.keys, hashes and
// snapshots never see it, and records keep their hidden class (defineProperty on every copy
// cost more than the reducers' own work). `_tx` stays in the types as a brand.
const owners = new WeakMap<object, Tx>();

function tag<T extends object>(o: T, tx: Tx): T & { _tx: Tx } {
  owners.set(o, tx);
  return o as T & { _tx: Tx };
}

/** true when `o` was made (or copied) under `tx`, so the batch may change it in place */
export function ownedBy(o: object, tx: Tx): boolean {
  return owners.get(o) === tx;
}

export function editable<T extends Owned>(o: T, tx: Tx): T & { _tx: Tx } {
  if (owners.get(o) === tx) return o as T & { _tx: Tx };
  return tag({ ...o }, tx);
}

/** A stack of pfns (an rcache magazine) or a queue of entries, copied once per batch. */
export function editableArray<T>(a: readonly T[] & Owned, tx: Tx): T[] & { _tx: Tx } {
  if (owners.get(a) === tx) return a as T[] & { _tx: Tx };
  return tag(a.slice(), tx);
}

export function ownedArray<T>(items: T[], tx: Tx): T[] & { _tx: Tx } {
  return tag(items, tx);
}
