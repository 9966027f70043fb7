// Read models over a state.
export * from './iova-tree.js';
export * from './page-table.js';
export * from './doorbells.js';
export * from './pasids.js';
export * from './stats.js';
export * from './summary.js';
export * from './placement.js';
