import { describe, expect, it } from 'vitest';
import { helpText, SLASH_COMMANDS } from '../state/slash-commands.js';
import { wrapLines } from './results-panel.js';

describe('wrapLines', () => {
  it('indents the wrapped rows of a /help line under its description, never at column 0', () => {
    // An 80-column terminal's panel.
    const lines = wrapLines(helpText(), 76);
    const me = SLASH_COMMANDS.find((c) => c.name === 'me');
    const first = lines.findIndex((l) => l.startsWith('  /me '));
    expect(first).toBeGreaterThan(0);
    const column = (lines[first] ?? '').indexOf(me?.help.slice(0, 5) ?? '?');
    expect(column).toBeGreaterThan(4);
    // The row after it is the description going on, under its start.
    expect(lines[first + 1]?.slice(0, column).trim()).toBe('');
    expect(lines[first + 1]?.slice(column, column + 1)).not.toBe(' ');
    // No row starts at column 0 except the section titles.
    for (const l of lines) if (l !== '' && l !== 'Commands' && l !== 'Keys') expect(l.startsWith('  ')).toBe(true);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(76);
    // Narrower than that, still never at column 0.
    for (const l of wrapLines(helpText(), 40)) if (l !== '' && l !== 'Commands' && l !== 'Keys') expect(l.startsWith('  ')).toBe(true);
  });

  it('indents a bullet under its text, and breaks a word longer than the width', () => {
    expect(wrapLines('- one two three four', 12)).toEqual(['- one two', '  three four']);
    expect(wrapLines('plain text that wraps', 10)).toEqual(['plain text', 'that wraps']);
    expect(wrapLines('x'.repeat(12), 5)).toEqual(['xxxxx', 'xxxxx', 'xx']);
  });
});
