import { describe, expect, it } from 'vitest';
import { timeBuckets, windowsEnd, windowStart } from './search-sql.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso).getTime();
/** The time-bucket lexemes migration 015's trigger gives a message stored at `t`. */
const bucketsOf = (t: number) => [`'@h:${new Date(t).toISOString().slice(0, 13)}'`, `'@d:${new Date(t).toISOString().slice(0, 10)}'`];

describe('time windows of a search', () => {
  const now = new Date('2026-11-30T12:34:56Z');

  it('spells a window within today in hours, up to the hour after now', () => {
    expect(timeBuckets(windowStart(1, now), windowsEnd(now), now)).toBe(
      "'@d:2026-12-01' | '@h:2026-11-30T13' | '@h:2026-11-30T12' | '@h:2026-11-30T11'",
    );
  });

  it('spells whole days (today from its start) by their day, the first partial day in hours', () => {
    const start = windowStart(40, now); // 2026-11-28T20:00
    expect(new Date(start).toISOString()).toBe('2026-11-28T20:00:00.000Z');
    expect(timeBuckets(start, windowsEnd(now), now)).toBe(
      "'@d:2026-12-01' | '@d:2026-11-30' | '@d:2026-11-29' | '@h:2026-11-28T23' | '@h:2026-11-28T22' | '@h:2026-11-28T21' | '@h:2026-11-28T20'",
    );
  });

  it('holds every message of [start, end) and none outside it, for windows older than one another', () => {
    // Consecutive windows as a search asks them: each ends where the one before starts.
    const starts = [windowStart(1, now), windowStart(7, now), windowStart(60, now), windowStart(24 * 9 + 5, now)];
    let end = windowsEnd(now);
    for (const start of starts) {
      const lexemes = new Set(timeBuckets(start, end, now).split(' | '));
      const matches = (t: number) => bucketsOf(t).some((l) => lexemes.has(l));
      for (let t = start - 30 * HOUR; t < Math.min(end, now.getTime() + HOUR) + 30 * HOUR; t += HOUR / 4) {
        // Past now only as far as a clock a little ahead (the next hour) is asked for.
        if (t >= now.getTime() + HOUR) continue;
        expect(matches(t), new Date(t).toISOString()).toBe(t >= start && t < end);
      }
      end = start;
    }
  });

  it('spells partial days by their day when asked: every message of the range is in its lexemes, as are the rest of its first and last days', () => {
    const start = windowStart(40, now); // 2026-11-28T20:00
    const end = windowStart(3, now); // 2026-11-30T09:00
    expect(timeBuckets(start, end, now, 'day')).toBe("'@d:2026-11-30' | '@d:2026-11-29' | '@d:2026-11-28'");
    const lexemes = new Set(timeBuckets(start, end, now, 'day').split(' | '));
    for (let t = start - 30 * HOUR; t < end + 30 * HOUR; t += HOUR / 4) {
      const day = Math.floor(t / (24 * HOUR));
      const inDays = day >= Math.floor(start / (24 * HOUR)) && day <= Math.floor((end - 1) / (24 * HOUR));
      expect(bucketsOf(t).some((l) => lexemes.has(l)), new Date(t).toISOString()).toBe(inDays);
    }
  });

  it('is empty for an empty range', () => {
    expect(timeBuckets(at('2026-11-30T10:00Z'), at('2026-11-30T10:00Z'), now)).toBe('');
  });
});
