// drivers/iommu/iova.c as deciders over the iova reducer's state.
export * from './ctx.js';
export * from './cached-node.js';
export * from './alloc.js';
export * from './reserve.js';
export * from './free.js';
export * from './rcache.js';
export * from './depot.js';
export * from './fast.js';
export * from './init.js';
