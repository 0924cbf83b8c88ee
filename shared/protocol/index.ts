export * from './errors.js';
export * from './events.js';
export * from './names.js';
export * from './rest.js';
export * from './ws-frames.js';
export * from './chat-error.js';
export * from './e2e.js';
