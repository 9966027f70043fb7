// What changed between two versions of a PMap, in key order. Versions share every leaf an
// edit did not touch (pmap.ts copies on write), so the walk skips shared leaves whole and only
// compares the entries of the leaves that differ: O(leaves + changed entries), not O(entries).
import { type ByteReader, type ByteWriter } from './bytes.js';
import { type PMap, type Tx } from './pmap.js';

interface LeafRef<V> {
  readonly keys: readonly number[];
  readonly vals: readonly V[];
}

function leafList<V>(m: PMap<V>): LeafRef<V>[] {
  const out: LeafRef<V>[] = [];
  m.forEachLeaf((keys, vals) => {
    if (keys.length > 0) out.push({ keys, vals });
  });
  return out;
}

/**
 * Calls `onSet` for every key of `cur` that `base` lacks or holds another value for (by
 * identity), and `onDelete` for every key of `base` that `cur` lacks, in key order. Both must
 * be finished versions (states between batches, whose Tx is done): see PMap.forEachLeaf.
 */
export function diffPMap<V>(base: PMap<V>, cur: PMap<V>, onSet: (k: number, v: V) => void, onDelete: (k: number) => void): void {
  if (base === cur) return;
  const a = leafList(base);
  const b = leafList(cur);
  let i = 0;
  let p = 0;
  let j = 0;
  let q = 0;
  while (i < a.length || j < b.length) {
    // both cursors at the start of the same leaf: nothing in it changed
    if (p === 0 && q === 0 && i < a.length && j < b.length && a[i].keys === b[j].keys) {
      i++;
      j++;
      continue;
    }
    const ka = i < a.length ? a[i].keys[p] : Infinity;
    const kb = j < b.length ? b[j].keys[q] : Infinity;
    if (ka <= kb) {
      if (ka === kb) {
        if (a[i].vals[p] !== b[j].vals[q]) onSet(kb, b[j].vals[q]);
        if (++q === b[j].keys.length) {
          j++;
          q = 0;
        }
      } else onDelete(ka);
      if (++p === a[i].keys.length) {
        i++;
        p = 0;
      }
    } else {
      onSet(kb, b[j].vals[q]);
      if (++q === b[j].keys.length) {
        j++;
        q = 0;
      }
    }
  }
}

/**
 * Writes the changes from `base` to `cur`: the deleted keys, then the set keys with their
 * values (both as key deltas), then the size `cur` must have, which the reader checks.
 */
export function encodeMapDelta<V>(base: PMap<V>, cur: PMap<V>, w: ByteWriter, writeVal: (k: number, v: V) => void): void {
  const dels: number[] = [];
  const setKeys: number[] = [];
  const setVals: V[] = [];
  diffPMap(
    base,
    cur,
    (k, v) => {
      setKeys.push(k);
      setVals.push(v);
    },
    (k) => void dels.push(k),
  );
  w.uint(dels.length);
  let prev = 0;
  for (const k of dels) {
    w.int(k - prev);
    prev = k;
  }
  w.uint(setKeys.length);
  prev = 0;
  for (let i = 0; i < setKeys.length; i++) {
    w.int(setKeys[i] - prev);
    prev = setKeys[i];
    writeVal(setKeys[i], setVals[i]);
  }
  w.uint(cur.size);
}

/** Applies what encodeMapDelta wrote to `base` (the same base it was written against). */
export function decodeMapDelta<V>(base: PMap<V>, r: ByteReader, tx: Tx, readVal: (k: number) => V): PMap<V> {
  let m = base;
  let k = 0;
  for (let n = r.count(); n > 0; n--) m = m.delete((k += r.int()), tx);
  k = 0;
  for (let n = r.count(); n > 0; n--) {
    k += r.int();
    m = m.set(k, readVal(k), tx);
  }
  const size = r.uint();
  if (m.size !== size) throw new Error(`checkpoint delta: a map of ${size} entries comes out with ${m.size} (not the base it was written against)`);
  return m;
}
