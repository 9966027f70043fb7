// The per-CPU IOVA range caches as state (iova.c struct iova_rcache / iova_cpu_rcache /
// iova_magazine). Magazines are stacks of pfns; the depot is stored with its head (the next
// magazine to pop) last.
import { type RcacheChanged } from '../domain-events/index.js';
import { editable, editableArray, type Owned } from './owned.js';
import { type Tx } from './pmap.js';

/** iova.c: IOVA_RANGE_CACHE_MAX_SIZE, size classes of 1..32 pfns */
export const IOVA_RANGE_CACHE_MAX_SIZE = 6;

export type Magazine = readonly number[] & Owned;

export interface CpuRcache extends Owned {
  readonly loaded: Magazine;
  readonly prev: Magazine;
}

export interface SizeClass extends Owned {
  /** full magazines; the last one is the next to be popped */
  readonly depot: readonly Magazine[] & Owned;
  readonly cpus: readonly CpuRcache[] & Owned;
  /** the delayed depot-trimming work is pending (iova.c 6.12 rcache->work) */
  readonly workPending?: boolean;
}

export type Rcaches = readonly SizeClass[] & Owned;

const EMPTY_MAG: Magazine = Object.freeze([]) as Magazine;

export function newRcaches(cpus: number): Rcaches {
  const classes: SizeClass[] = [];
  for (let o = 0; o < IOVA_RANGE_CACHE_MAX_SIZE; o++) {
    const c: CpuRcache[] = [];
    for (let i = 0; i < cpus; i++) c.push({ loaded: EMPTY_MAG, prev: EMPTY_MAG });
    classes.push({ depot: [], cpus: c });
  }
  return classes;
}

/** the rcaches the last editableCpu call opened a CPU of */
let openedRcaches: Rcaches = [];

/**
 * Size class `order`, CPU `cpu` of r, editable under tx; the rcaches that hold it are left in
 * openedRcaches (no callback per event: the handlers of every alloc and free come here).
 */
function editableCpu(r: Rcaches, order: number, cpu: number, tx: Tx): CpuRcache & { _tx: Tx } {
  const rc = editableArray(r, tx);
  const sc = editable(rc[order], tx);
  rc[order] = sc;
  const cpus = editableArray(sc.cpus, tx);
  (sc as { cpus: readonly CpuRcache[] }).cpus = cpus;
  while (cpus.length <= cpu) cpus.push({ loaded: EMPTY_MAG, prev: EMPTY_MAG });
  const c = editable(cpus[cpu], tx);
  cpus[cpu] = c;
  openedRcaches = rc;
  return c;
}

/** Returns rcaches with size class `order`, CPU `cpu` replaced by what `fn` makes of it. */
export function updateCpu(r: Rcaches, order: number, cpu: number, tx: Tx, fn: (c: CpuRcache & { _tx: Tx }) => void): Rcaches {
  const c = editableCpu(r, order, cpu, tx);
  const rc = openedRcaches;
  fn(c);
  return rc;
}

function updateClass(r: Rcaches, order: number, tx: Tx, fn: (sc: SizeClass & { _tx: Tx }) => void): Rcaches {
  const rc = editableArray(r, tx);
  const sc = editable(rc[order], tx);
  rc[order] = sc;
  fn(sc);
  return rc;
}

export function pushPfn(r: Rcaches, order: number, cpu: number, pfn: number, tx: Tx): Rcaches {
  const c = editableCpu(r, order, cpu, tx);
  const m = editableArray(c.loaded, tx);
  m.push(pfn);
  (c as { loaded: Magazine }).loaded = m;
  return openedRcaches;
}

/** iova.c iova_magazine_pop: the pfn at index i leaves, the top element takes its slot. */
export function popPfnAt(r: Rcaches, order: number, cpu: number, index: number, tx: Tx): Rcaches {
  const c = editableCpu(r, order, cpu, tx);
  const m = editableArray(c.loaded, tx);
  const top = m.pop();
  if (index < m.length && top !== undefined) m[index] = top;
  (c as { loaded: Magazine }).loaded = m;
  return openedRcaches;
}

export function applyRcacheChange(r: Rcaches, e: RcacheChanged, tx: Tx): Rcaches {
  const cpu = e.cpu ?? 0;
  switch (e.op) {
    case 'swap':
      return updateCpu(r, e.order, cpu, tx, (c) => {
        const l = c.loaded;
        (c as { loaded: Magazine }).loaded = c.prev;
        (c as { prev: Magazine }).prev = l;
      });
    case 'depot-push': {
      const full = r[e.order]?.cpus[cpu]?.loaded ?? EMPTY_MAG;
      const r2 = updateClass(r, e.order, tx, (sc) => {
        const d = editableArray(sc.depot, tx);
        d.push(full);
        (sc as { depot: readonly Magazine[] }).depot = d;
      });
      return updateCpu(r2, e.order, cpu, tx, (c) => void ((c as { loaded: Magazine }).loaded = EMPTY_MAG));
    }
    case 'depot-pop': {
      const depot = r[e.order]?.depot ?? [];
      const head = depot.length ? depot[depot.length - 1] : EMPTY_MAG;
      const r2 = updateClass(r, e.order, tx, (sc) => {
        const d = editableArray(sc.depot, tx);
        d.pop();
        (sc as { depot: readonly Magazine[] }).depot = d;
      });
      return updateCpu(r2, e.order, cpu, tx, (c) => void ((c as { loaded: Magazine }).loaded = head));
    }
    case 'loaded-dropped':
    case 'loaded-emptied':
      return updateCpu(r, e.order, cpu, tx, (c) => void ((c as { loaded: Magazine }).loaded = EMPTY_MAG));
    case 'prev-emptied':
      return updateCpu(r, e.order, cpu, tx, (c) => void ((c as { prev: Magazine }).prev = EMPTY_MAG));
    case 'work-armed':
    case 'work-idle':
      return updateClass(r, e.order, tx, (sc) => void ((sc as { workPending?: boolean }).workPending = e.op === 'work-armed'));
    case 'depot-remove':
      return updateClass(r, e.order, tx, (sc) => {
        const d = editableArray(sc.depot, tx);
        const at = d.length - 1 - (e.index ?? 0);
        if (at >= 0) d.splice(at, 1);
        (sc as { depot: readonly Magazine[] }).depot = d;
      });
  }
}

/** Number of pfns parked in all magazines and depots. */
export function rcacheFill(r: Rcaches | null): number {
  if (!r) return 0;
  let n = 0;
  for (const sc of r) {
    for (const m of sc.depot) n += m.length;
    for (const c of sc.cpus) n += c.loaded.length + c.prev.length;
  }
  return n;
}

type PlainRcache = { depot: number[][]; cpus: { loaded: number[]; prev: number[] }[]; workPending?: boolean };

export function rcachesFromPlain(data: readonly PlainRcache[]): Rcaches {
  return data.map((sc) => ({
    depot: sc.depot.map((m) => m.slice()),
    cpus: sc.cpus.map((c) => ({ loaded: c.loaded.slice(), prev: c.prev.slice() })),
    workPending: !!sc.workPending,
  }));
}

export function rcachesToPlain(r: Rcaches): PlainRcache[] {
  return r.map((sc) => ({
    depot: sc.depot.map((m) => m.slice()),
    cpus: sc.cpus.map((c) => ({ loaded: c.loaded.slice(), prev: c.prev.slice() })),
    workPending: !!sc.workPending,
  }));
}

