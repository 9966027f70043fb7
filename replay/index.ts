export * from './journal-format.js';
export * from './journal-writer.js';
export * from './journal-reader.js';
export * from './recorder.js';
export * from './engine.js';
export * from './jsonl.js';
export * from './verify.js';
