export * from './errors.js';
export * from './events.js';
export * from './names.js';
export * from './rest.js';
export * from './ws-frames.js';
