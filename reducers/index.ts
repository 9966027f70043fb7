// Pure reducers: evolve(state, event) -> state, one slice per aggregate.
export * from './pmap.js';
export * from './owned.js';
export * from './slice.js';
export * from './hasher.js';
export * from './runs.js';
export * from './root.js';
export * from './checkpoint-codec.js';
export * from './topology.js';
export * from './cookies.js';
export * from './iova-domains.js';
export * from './rcache-state.js';
export * from './page-tables.js';
export * from './flush-queues.js';
export * from './dma-api.js';
export * from './ioasid.js';
export * from './ioas.js';
export * from './timeline.js';
