// Copy-on-write for the small records that hold a slice's big containers: a record made under
// a Tx is changed in place by later events of the same batch, one made earlier is copied
// first.
import { type Tx } from './pmap.js';

export interface Owned {
  readonly _tx?: Tx | null;
}

// The tag is non-enumerable: spreads, Object.keys, hashes and snapshots never see it.
function tag<T extends object>(o: T, tx: Tx): T & { _tx: Tx } {
  Object.defineProperty(o, '_tx', { value: tx, enumerable: false, writable: true, configurable: true });
  return o as T & { _tx: Tx };
}

export function editable<T extends Owned>(o: T, tx: Tx): T & { _tx: Tx } {
  if (o._tx === tx) return o as T & { _tx: Tx };
  return tag({ ...o }, tx);
}

/** A stack of pfns (an rcache magazine) or a queue of entries, copied once per batch. */
export function editableArray<T>(a: readonly T[] & Owned, tx: Tx): T[] & { _tx: Tx } {
  if (a._tx === tx) return a as T[] & { _tx: Tx };
  return tag(a.slice(), tx);
}

export function ownedArray<T>(items: T[], tx: Tx): T[] & { _tx: Tx } {
  return tag(items, tx);
}
