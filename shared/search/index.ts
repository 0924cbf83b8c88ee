export * from './text.js';
export * from './tokens.js';
export * from './query.js';
export * from './match.js';
export * from './snippet.js';
export * from './message-index.js';
export * from './merge.js';
