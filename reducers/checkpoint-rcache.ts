// The per-CPU IOVA range caches in a checkpoint (iova.c struct iova_rcache): per size class
// the depot's magazines and each CPU's loaded and prev magazine, as stacks of pfns. In a
// delta, a magazine the base already holds (the same array: depot pushes and swaps move
// magazines, they do not copy them) is a reference to it, so a delta carries only the
// magazines that took or gave pfns since.
import { type ByteReader, type ByteWriter } from './bytes.js';
import { type CpuRcache, type Magazine, type Rcaches, type SizeClass } from './rcache-state.js';

/** how the rcaches of a domain are written */
const NONE = 0;
const WHOLE = 1;
const SAME = 2;
const AGAINST = 3;

/** Every magazine of `rc` in writing order: per class the depot, then per CPU loaded and prev. */
function magazinesOf(rc: Rcaches): Magazine[] {
  const out: Magazine[] = [];
  for (const sc of rc) {
    for (const m of sc.depot) out.push(m);
    for (const c of sc.cpus) out.push(c.loaded, c.prev);
  }
  return out;
}

export function encodeRcaches(rc: Rcaches | null, base: Rcaches | null, w: ByteWriter): void {
  if (rc === null) return w.byte(NONE);
  if (rc === base) return w.byte(SAME);
  const refs = new Map<Magazine, number>();
  if (base !== null) magazinesOf(base).forEach((m, i) => refs.has(m) || refs.set(m, i));
  w.byte(base === null ? WHOLE : AGAINST);
  const mag = (m: Magazine): void => {
    const k = refs.get(m);
    if (base !== null) w.uint(k === undefined ? 0 : k + 1);
    if (k === undefined) encodeMagazine(m, w);
  };
  w.uint(rc.length);
  for (const sc of rc) {
    w.uint(sc.depot.length);
    for (const m of sc.depot) mag(m);
    w.uint(sc.cpus.length);
    for (const c of sc.cpus) {
      mag(c.loaded);
      mag(c.prev);
    }
    // absent until the delayed work is first armed (rcache-state.ts newRcaches)
    w.byte(sc.workPending === undefined ? 0 : sc.workPending ? 2 : 1);
  }
}

/** `base`: the domain's rcaches in the base checkpoint, when the writer had one */
export function decodeRcaches(r: ByteReader, base: Rcaches | null): Rcaches | null {
  const how = r.byte();
  if (how === NONE) return null;
  if (how > AGAINST || (how !== WHOLE && base === null)) throw new Error(`checkpoint data: rcaches marker ${how} without the base it needs`);
  if (how === SAME) return base;
  const known = how === AGAINST ? magazinesOf(base!) : null;
  const mag = (): Magazine => {
    if (known === null) return decodeMagazine(r);
    const k = r.uint();
    if (k === 0) return decodeMagazine(r);
    if (k > known.length) throw new Error(`checkpoint data: magazine #${k - 1} of ${known.length}`);
    return known[k - 1];
  };
  const n = r.count();
  const out: SizeClass[] = new Array(n);
  for (let o = 0; o < n; o++) {
    const dn = r.count();
    const depot: Magazine[] = new Array(dn);
    for (let i = 0; i < dn; i++) depot[i] = mag();
    const cn = r.count();
    const cpus: CpuRcache[] = new Array(cn);
    for (let i = 0; i < cn; i++) {
      const loaded = mag();
      cpus[i] = { loaded, prev: mag() };
    }
    const work = r.byte();
    out[o] = work === 0 ? { depot, cpus } : { depot, cpus, workPending: work === 2 };
  }
  return out;
}

function encodeMagazine(m: readonly number[], w: ByteWriter): void {
  w.uint(m.length);
  let prev = 0;
  for (const pfn of m) {
    w.int(pfn - prev);
    prev = pfn;
  }
}

function decodeMagazine(r: ByteReader): Magazine {
  const n = r.count();
  const m: number[] = new Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) prev = m[i] = prev + r.int();
  return m as Magazine;
}
