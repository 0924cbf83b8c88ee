export * from './api-client.js';
export * from './backoff.js';
export * from './emitter.js';
export * from './live-client.js';
export * from './session-store.js';
export * from './e2e-session.js';
export * from './memory-e2e-store.js';
