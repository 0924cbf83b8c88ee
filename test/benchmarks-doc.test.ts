import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm run bench` writes docs/benchmarks.md as its generated report followed by docs/benchmarks-notes.md.
// Analysis written into benchmarks.md alone is lost at the next run, so the two must agree.
describe('docs/benchmarks.md', () => {
  it('ends with docs/benchmarks-notes.md, so the next `npm run bench` keeps every hand-written section', () => {
    const report = readFileSync(resolve(import.meta.dirname, '../docs/benchmarks.md'), 'utf8');
    const notes = readFileSync(resolve(import.meta.dirname, '../docs/benchmarks-notes.md'), 'utf8');
    expect(report.endsWith('\n' + notes)).toBe(true);
  });
});
