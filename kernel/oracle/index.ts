// Oracle verification. Importing this module registers every format.
export * from './types.js';
export * from './registry.js';
export * from './runner.js';
import './iova-format.js';
import './pgtable-format.js';
import './ioasid-format.js';
