import { describe, expect, it } from 'vitest';
import { parseDuration, parseSince } from './time-input.js';

describe('time input', () => {
  const now = new Date(2026, 10, 25, 15, 30);

  it('reads durations', () => {
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('2w')).toBe(1_209_600);
    expect(() => parseDuration('soon')).toThrow(/--expires: "soon" is not a duration/);
  });

  it('reads --since as a date, a date and time, a duration ago, today or yesterday', () => {
    expect(parseSince('2026-11-01', now)).toBe(new Date(2026, 10, 1).toISOString());
    expect(parseSince('2026-11-01 14:30', now)).toBe(new Date(2026, 10, 1, 14, 30).toISOString());
    expect(parseSince('2026-11-01T14:30:05Z', now)).toBe('2026-11-01T14:30:05.000Z');
    expect(parseSince('2026-11-01T14:30+02:00', now)).toBe('2026-11-01T12:30:00.000Z');
    expect(parseSince('3d', now)).toBe(new Date(now.getTime() - 3 * 86_400_000).toISOString());
    expect(parseSince('yesterday', now)).toBe(new Date(2026, 10, 24).toISOString());
    expect(parseSince('Today', now)).toBe(new Date(2026, 10, 25).toISOString());
  });

  it('names the flag and the forms it takes when it cannot read one', () => {
    expect(() => parseSince('last tuesday', now)).toThrow(/--since: cannot read "last tuesday"; use a date/);
    expect(() => parseSince('2026-02-31', now)).toThrow(/cannot read/);
  });
});
