export * from './analysis.js';
export * from './offline-summarizer.js';
export * from './ai-summarizer.js';
export * from './summarize.js';
