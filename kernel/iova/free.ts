// find_iova / free_iova / __free_iova (iova.c, 6.1 = 6.12).
import { IovaFreed, IovaFreeIgnored } from '../../domain-events/index.js';
import { type IovaDomainState } from '../../reducers/index.js';
import { cachedNodeDeleteUpdate } from './cached-node.js';
import { type IovaCtx, pointer } from './ctx.js';

export interface FoundIova {
  readonly pfnLo: number;
  readonly pfnHi: number;
}

/** find_iova: the node whose [pfn_lo, pfn_hi] holds pfn (allocated, reserved or rcache-held). */
export function findIova(d: IovaDomainState, pfn: number): FoundIova | null {
  const lo = d.nodes.floorKey(pfn);
  if (lo === undefined) return null;
  const hi = d.nodes.get(lo)!;
  return pfn <= hi ? { pfnLo: lo, pfnHi: hi } : null;
}

type Via = 'free_iova' | '__free_iova' | 'rcache-flush' | 'depot-overflow' | 'depot-trim' | 'fq';

/** remove_iova: the cached-node update runs before the node leaves the tree. */
export function removeIova(ctx: IovaCtx, node: FoundIova, via: Via, cpu?: number): void {
  const u = cachedNodeDeleteUpdate(ctx.d, node.pfnLo, node.pfnHi);
  ctx.emit(
    IovaFreed.make(
      {
        domain: ctx.domain,
        pfnLo: node.pfnLo,
        pfnHi: node.pfnHi,
        via,
        cachedNode: pointer(u.cachedNode),
        cached32Node: pointer(u.cached32Node),
        max32AllocSize: u.max32AllocSize,
      },
      cpu === undefined ? ctx.meta : ctx.onCpu(cpu),
    ),
  );
}

/** free_iova(pfn): any pfn inside the node frees it; an unknown pfn is ignored silently. */
export function freeIova(ctx: IovaCtx, pfn: number, via: Via = 'free_iova'): FoundIova | null {
  const node = findIova(ctx.d, pfn);
  if (!node) {
    ctx.emit(IovaFreeIgnored.make({ domain: ctx.domain, pfn }, ctx.meta));
    return null;
  }
  removeIova(ctx, node, via);
  return node;
}
