export * from './text.js';
export * from './query.js';
export * from './snippet.js';
export * from './message-index.js';
export * from './merge.js';
