// drivers/iommu/ioasid.c (6.1; the 2019 allocator of seed 004): one global id space tagged by
// sets, an xarray per allocator, pluggable custom allocators. Failures return INVALID_IOASID, not
// an errno; lookups give -ENOENT / -EACCES.
import {
  type Errno,
  type IommuEvent,
  INVALID_IOASID,
  IoasidAllocated,
  IoasidAllocatorRegistered,
  IoasidAllocatorUnregistered,
  IoasidCustomPoolChanged,
  IoasidDataSet,
  IoasidFreed,
  IoasidLookedUp,
  type Meta,
} from '../../domain-events/index.js';
import { activeIds, type IoasidState } from '../../reducers/index.js';
import { lowestFree } from './xa.js';

/**
 * A custom allocator as ioasid_register_allocator sees it: an ops whose alloc/free functions
 * (identified by `fns`) may be shared with other ops, and its private data (here: a pool of ids
 * it hands out, kept in state under `pool`).
 */
export interface IoasidAllocatorOps {
  readonly name: string;
  readonly fns: string;
  readonly pool: string | null;
  /**
   * ops->alloc(min, max, pdata): the id it returns (INVALID_IOASID means failure to ioasid.c) and
   * whether it took that id into its pool; a top-down pool can take 0xFFFFFFFF itself
   */
  alloc(min: number, max: number, pool: readonly number[]): { readonly id: number; readonly taken: boolean };
  /** ids ops->free(id, pdata) drops from its pool */
  freesFromPool: boolean;
}

export type Getter = 'none' | 'accept' | 'reject' | 'nonnull';

export interface IoasidEnv {
  readonly state: IoasidState;
  /** every ops the system knows, by name */
  readonly ops: ReadonlyMap<string, IoasidAllocatorOps>;
  readonly meta: Meta;
}

function creatorOps(env: IoasidEnv): IoasidAllocatorOps | null {
  return env.state.active === 'default' ? null : (env.ops.get(env.state.active) ?? null);
}

/** ioasid_alloc(set, min, max, private) */
export function decideIoasidAlloc(env: IoasidEnv, set: string | null, min: number, max: number, priv: number | null): IommuEvent[] {
  const s = env.state;
  const xa = activeIds(s);
  const ops = creatorOps(env);
  const out: IommuEvent[] = [];
  const done = (id: number, stale = false) =>
    out.push(IoasidAllocated.make({ set, min, max, private: priv, id, allocator: s.active, stale }, env.meta));
  if (!ops) {
    const id = lowestFree(xa, min, max);
    if (id === null) done(INVALID_IOASID);
    // ioasid.c: an id equal to INVALID_IOASID is reported as failure, yet its slot stays taken
    else done(id, id === INVALID_IOASID);
    return out;
  }
  const pool = ops.pool ? (s.pools[ops.pool] ?? []) : [];
  const { id, taken } = ops.alloc(min, max, pool);
  if (ops.pool && taken) out.push(IoasidCustomPoolChanged.make({ pool: ops.pool, added: [id], removed: [] }, env.meta));
  // ioasid.c (6.1) ioasid_alloc: INVALID_IOASID from ops->alloc is failure and ops->free is not
  // called, so an allocator that handed out 0xFFFFFFFF from its pool keeps it taken
  if (id === INVALID_IOASID) {
    done(INVALID_IOASID);
    return out;
  }
  if (xa.has(id)) {
    // xa_alloc(XA_LIMIT(id, id)) failed: the custom allocator is asked to free it again
    if (ops.pool && ops.freesFromPool) out.push(IoasidCustomPoolChanged.make({ pool: ops.pool, added: [], removed: [id] }, env.meta));
    done(INVALID_IOASID);
    return out;
  }
  done(id);
  return out;
}

/** ioasid_free(id): unknown ids only log "Trying to free unknown IOASID". */
export function decideIoasidFree(env: IoasidEnv, id: number): IommuEvent[] {
  const s = env.state;
  const found = activeIds(s).has(id);
  const out: IommuEvent[] = [];
  const ops = creatorOps(env);
  if (found && ops?.pool && ops.freesFromPool) out.push(IoasidCustomPoolChanged.make({ pool: ops.pool, added: [], removed: [id] }, env.meta));
  out.push(IoasidFreed.make({ id, found, allocator: s.active }, env.meta));
  return out;
}

export interface FindResult {
  readonly data: number | null;
  readonly errno: Errno | null;
  readonly getterCalls: number;
}

/** ioasid_find(set, id, getter) */
export function ioasidFind(env: IoasidEnv, set: string | null, id: number, getter: Getter): { result: FindResult; events: IommuEvent[] } {
  const e = activeIds(env.state).get(id);
  let r: FindResult;
  if (!e) r = { data: null, errno: 'ENOENT', getterCalls: 0 };
  else if (set !== null && e.set !== set) r = { data: null, errno: 'EACCES', getterCalls: 0 };
  else if (getter === 'none') r = { data: e.private, errno: null, getterCalls: 0 };
  else {
    const ok = getter === 'accept' || (getter === 'nonnull' && e.private !== null);
    r = { data: ok ? e.private : null, errno: null, getterCalls: 1 };
  }
  return { result: r, events: [IoasidLookedUp.make({ set, id, getter, data: r.data, errno: r.errno, getterCalls: r.getterCalls }, env.meta)] };
}

/** ioasid_set_data(id, data): publish, then synchronize_rcu */
export function decideIoasidSetData(env: IoasidEnv, id: number, data: number | null): IommuEvent[] {
  const errno = activeIds(env.state).has(id) ? null : 'ENOENT';
  return [IoasidDataSet.make({ id, data, errno }, env.meta)];
}

/** ioasid_register_allocator(ops) */
export function decideRegister(env: IoasidEnv, ops: IoasidAllocatorOps): IommuEvent[] {
  const s = env.state;
  const ev = (errno: Errno | null, joined: string | null, active: string) => [IoasidAllocatorRegistered.make({ ops: ops.name, errno, joined, active }, env.meta)];
  if (s.allocators.length === 0) {
    // the default allocator may hand over only while it holds no ids
    if ((s.xarrays.default?.size ?? 0) > 0) return ev('EAGAIN', null, s.active);
    return ev(null, null, ops.name);
  }
  for (const a of s.allocators) {
    if (a.ops === ops.name) return ev('EEXIST', null, s.active);
    if (env.ops.get(a.ops)?.fns === ops.fns) return ev(null, a.ops, s.active);
  }
  return ev(null, null, s.active);
}

/** ioasid_unregister_allocator(ops): the first allocator with the same functions */
export function decideUnregister(env: IoasidEnv, ops: IoasidAllocatorOps): IommuEvent[] {
  const s = env.state;
  const a = s.allocators.find((x) => env.ops.get(x.ops)?.fns === ops.fns);
  if (!a) return [IoasidAllocatorUnregistered.make({ ops: ops.name, allocator: null, removed: false, warn: 0, active: s.active }, env.meta)];
  if (a.members.length > 1) return [IoasidAllocatorUnregistered.make({ ops: ops.name, allocator: a.ops, removed: false, warn: 0, active: s.active }, env.meta)];
  const left = s.allocators.filter((x) => x !== a);
  const warn = (s.xarrays[a.ops]?.size ?? 0) > 0 ? 1 : 0;
  const active = left.length === 0 ? 'default' : s.active === a.ops ? left[0].ops : s.active;
  return [IoasidAllocatorUnregistered.make({ ops: ops.name, allocator: a.ops, removed: true, warn, active }, env.meta)];
}
