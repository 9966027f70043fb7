// The cached-node hints (iova.c __get_cached_rbnode, __cached_rbnode_insert_update,
// __cached_rbnode_delete_update; identical in 6.1 and 6.12).
import { type IovaDomainState } from '../../reducers/index.js';
import { ANCHOR, fromPointer, successor } from './ctx.js';

/** The parts of an iova_domain the rbtree search and the cached-node hints read. */
export type IovaTree = Pick<IovaDomainState, 'nodes' | 'cachedNode' | 'cached32Node' | 'dma32bitPfn' | 'max32AllocSize' | 'startPfn'>;

/** Where a search for limit L (exclusive) starts: cached32_node at or below 4 GiB, else cached_node. */
export function getCachedNode(d: IovaTree, limit: number): number {
  return limit <= d.dma32bitPfn ? fromPointer(d.cached32Node) : fromPointer(d.cachedNode);
}

export interface CachedPointers {
  cachedNode: number;
  cached32Node: number;
}

/** iova.c __cached_rbnode_insert_update: the new node becomes the hint of its side of 4 GiB. */
export function cachedNodeInsertUpdate(d: IovaTree, pfnLo: number, pfnHi: number): CachedPointers {
  if (pfnHi < d.dma32bitPfn) return { cachedNode: fromPointer(d.cachedNode), cached32Node: pfnLo };
  return { cachedNode: pfnLo, cached32Node: fromPointer(d.cached32Node) };
}

/**
 * iova.c __cached_rbnode_delete_update, run before the node leaves the tree: a hint at or below
 * the freed node moves to the freed node's successor; a free below 4 GiB resets max32_alloc_size.
 */
export function cachedNodeDeleteUpdate(d: IovaTree, pfnLo: number, pfnHi: number): CachedPointers & { max32AllocSize: number } {
  const c32 = fromPointer(d.cached32Node);
  let cached32Node = c32;
  const c32Lo = c32 === ANCHOR ? ANCHOR : c32;
  if (pfnLo === c32 || (pfnHi < d.dma32bitPfn && pfnLo >= c32Lo)) cached32Node = successor(d.nodes, pfnLo);
  const max32AllocSize = pfnLo < d.dma32bitPfn ? d.dma32bitPfn : d.max32AllocSize;
  const c = fromPointer(d.cachedNode);
  const cachedNode = pfnLo >= c ? successor(d.nodes, pfnLo) : c;
  return { cachedNode, cached32Node, max32AllocSize };
}
