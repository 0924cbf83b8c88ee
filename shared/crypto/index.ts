export * from './bytes.js';
export * from './envelope.js';
export * from './errors.js';
export * from './identity.js';
export * from './key-distribution.js';
export * from './primitives.js';
export * from './safety-number.js';
export * from './sender-chain.js';
