export * from './xa.js';
export * from './ioasid.js';
export * from './pasid.js';
