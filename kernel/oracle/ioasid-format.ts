// The IOASID (6.1 ioasid.c) and global PASID (6.12 IDA) oracle formats
// (shared/oracles/ioasid/README.md), answered from the reducer state built from the deciders'
// events. The harness's custom allocators T1/T2 (top-down over their own pools, sharing their
// functions) and F1 (always min) are data here, not kernel code.
import { ERRNO, type IommuEvent, INVALID_IOASID } from '../../domain-events/index.js';
import { activeIds, evolveBatch, initialState, type State } from '../../reducers/index.js';
import {
  decideGlobalPasidAlloc,
  decideGlobalPasidFree,
  decideIoasidAlloc,
  decideIoasidFree,
  decideIoasidSetData,
  decidePasidDevice,
  decideRegister,
  decideUnregister,
  type Getter,
  type IoasidAllocatorOps,
  type IoasidEnv,
  ioasidFind,
} from '../ioasid/index.js';
import { registerOracleFormat } from './registry.js';
import { input, isInt, isStr, isStrOrNull, type OracleFormat, OracleInputError, type OracleRecord, type OracleSession } from './types.js';

/** the harness's top-down alloc: the highest id in [min, max] not in its pool, which it takes (0xFFFFFFFF too) */
function topdown(min: number, max: number, pool: readonly number[]): { id: number; taken: boolean } {
  if (min > max) return { id: INVALID_IOASID, taken: false };
  const used = new Set(pool);
  for (let id = max; id >= min; id--) if (!used.has(id)) return { id, taken: true };
  return { id: INVALID_IOASID, taken: false };
}

/** the harness's fixed_min alloc: min, keeping no state */
const fixedMin = (min: number, max: number) => ({ id: min > max ? INVALID_IOASID : min, taken: false });

const HARNESS_OPS: ReadonlyMap<string, IoasidAllocatorOps> = new Map(
  [
    { name: 'T1', fns: 'topdown', pool: 'T1', alloc: topdown, freesFromPool: true },
    { name: 'T2', fns: 'topdown', pool: 'T2', alloc: topdown, freesFromPool: true },
    { name: 'F1', fns: 'fixed_min', pool: null, alloc: fixedMin, freesFromPool: false },
  ].map((o) => [o.name, o]),
);

const isU32 = (v: unknown): v is number => isInt(v) && v >= 0 && v <= 0xffffffff;
const isIntOrNullish = (v: unknown): v is number | null => v === null || isInt(v);
const GETTERS = new Set(['none', 'accept', 'reject', 'nonnull']);

const OUT61: Record<string, readonly string[]> = {
  reset: [],
  ioasid_alloc: ['id'],
  ioasid_free: [],
  ioasid_find: ['result', 'getter_calls'],
  ioasid_set_data: ['ret'],
  ioasid_register_allocator: ['ret'],
  ioasid_unregister_allocator: [],
  state: ['active', 'allocators', 'ids', 'pools'],
};

abstract class Session implements OracleSession {
  protected state: State = initialState();
  protected apply(events: readonly IommuEvent[]): void {
    this.state = evolveBatch(this.state, events);
  }
  abstract step(rec: OracleRecord): Record<string, unknown>;
}

class IoasidSession extends Session {
  private env(): IoasidEnv {
    return { state: this.state.ioasid, ops: HARNESS_OPS, meta: { cmd: 'oracle' } };
  }

  private ops(rec: OracleRecord): IoasidAllocatorOps {
    const name = input(rec, 'ops', isStr, 'an allocator ops name');
    const o = HARNESS_OPS.get(name);
    if (!o) throw new OracleInputError('ops', `unknown allocator ops ${JSON.stringify(name)} (harness has T1, T2, F1)`);
    return o;
  }

  step(rec: OracleRecord): Record<string, unknown> {
    switch (rec.op) {
      case 'reset':
        this.state = initialState();
        return {};
      case 'ioasid_alloc': {
        const set = input(rec, 'set', isStrOrNull, 'a set name or null');
        const ev = decideIoasidAlloc(this.env(), set, input(rec, 'min', isU32, 'a u32'), input(rec, 'max', isU32, 'a u32'), input(rec, 'private', isIntOrNullish, 'an integer or null'));
        this.apply(ev);
        const a = ev[ev.length - 1] as Extract<IommuEvent, { type: 'IoasidAllocated' }>;
        return { id: a.stale ? INVALID_IOASID : a.id };
      }
      case 'ioasid_free':
        this.apply(decideIoasidFree(this.env(), input(rec, 'id', isU32, 'a u32')));
        return {};
      case 'ioasid_find': {
        const getter = input(rec, 'getter', isStr, 'a getter name');
        if (!GETTERS.has(getter)) throw new OracleInputError('getter', `unknown getter ${JSON.stringify(getter)}`);
        const r = ioasidFind(this.env(), input(rec, 'set', isStrOrNull, 'a set name or null'), input(rec, 'id', isU32, 'a u32'), getter as Getter);
        this.apply(r.events);
        return { result: r.result.errno ? { err: -ERRNO[r.result.errno] } : { data: r.result.data }, getter_calls: r.result.getterCalls };
      }
      case 'ioasid_set_data': {
        const ev = decideIoasidSetData(this.env(), input(rec, 'id', isU32, 'a u32'), input(rec, 'data', isIntOrNullish, 'an integer or null'));
        this.apply(ev);
        const e = ev[0] as Extract<IommuEvent, { type: 'IoasidDataSet' }>;
        return { ret: e.errno ? -ERRNO[e.errno] : 0 };
      }
      case 'ioasid_register_allocator': {
        const ev = decideRegister(this.env(), this.ops(rec));
        this.apply(ev);
        const e = ev[0] as Extract<IommuEvent, { type: 'IoasidAllocatorRegistered' }>;
        return { ret: e.errno ? -ERRNO[e.errno] : 0 };
      }
      case 'ioasid_unregister_allocator': {
        const ev = decideUnregister(this.env(), this.ops(rec));
        this.apply(ev);
        return { warn: (ev[0] as Extract<IommuEvent, { type: 'IoasidAllocatorUnregistered' }>).warn };
      }
      case 'state':
        return this.observe();
      default:
        throw new OracleInputError('op', `unknown op ${JSON.stringify(rec.op)}`);
    }
  }

  private observe(): Record<string, unknown> {
    const s = this.state.ioasid;
    const ids: unknown[] = [];
    activeIds(s).forEach((_, e) => void ids.push(e.stale ? [e.id, 'stale', 'stale'] : [e.id, e.set, e.private]));
    const pools: Record<string, number[]> = {};
    for (const o of HARNESS_OPS.values()) if (o.pool) pools[o.pool] = [...(s.pools[o.pool] ?? [])];
    return {
      active: s.active,
      allocators: s.allocators.map((a) => ({ ops: a.ops, members: a.members, ids: s.xarrays[a.ops]?.size ?? 0 })),
      ids,
      pools,
    };
  }
}

const OUT612: Record<string, readonly string[]> = {
  reset: [],
  device: [],
  iommu_alloc_global_pasid: ['pasid'],
  iommu_free_global_pasid: [],
  state: ['ids', 'count'],
};

const isDev = (v: unknown): v is string | number => isStr(v) || isInt(v);

class PasidSession extends Session {
  step(rec: OracleRecord): Record<string, unknown> {
    const meta = { cmd: 'oracle' };
    switch (rec.op) {
      case 'reset':
        this.state = initialState();
        return {};
      case 'device':
        this.apply(decidePasidDevice(String(input(rec, 'dev', isDev, 'a device name')), input(rec, 'max_pasids', isU32, 'a u32'), meta));
        return {};
      case 'iommu_alloc_global_pasid': {
        const ev = decideGlobalPasidAlloc(this.state.ioasid, String(input(rec, 'dev', isDev, 'a device name')), meta);
        this.apply(ev);
        return { pasid: (ev[0] as Extract<IommuEvent, { type: 'PasidAllocated' }>).pasid };
      }
      case 'iommu_free_global_pasid': {
        const ev = decideGlobalPasidFree(this.state.ioasid, input(rec, 'pasid', isU32, 'a u32'), meta);
        this.apply(ev);
        return { warn: (ev[0] as Extract<IommuEvent, { type: 'PasidFreed' }>).warn };
      }
      case 'state': {
        const ids = this.state.ioasid.pasids.keys();
        return { ids, count: ids.length };
      }
      default:
        throw new OracleInputError('op', `unknown op ${JSON.stringify(rec.op)}`);
    }
  }
}

export const ioasidOracleFormat: OracleFormat = { kind: 'ioasid-oracle', outputs: (op) => OUT61[op], open: () => new IoasidSession() };
export const pasidOracleFormat: OracleFormat = { kind: 'pasid-oracle', outputs: (op) => OUT612[op], open: () => new PasidSession() };

registerOracleFormat(ioasidOracleFormat);
registerOracleFormat(pasidOracleFormat);
