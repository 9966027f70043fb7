// iommu-journal as a library: each part under its own name (the subpath exports give the same
// modules one by one: iommu-journal/events, /reducers, /projections, /replay, /checks).
// docs/library.md has a tested example.
export * as events from './domain-events/index.js';
export * as reducers from './reducers/index.js';
export * as projections from './projections/index.js';
export * as replay from './replay/index.js';
export * as checks from './checks/index.js';
