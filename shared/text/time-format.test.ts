import { describe, expect, it } from 'vitest';
import { createTimeFormatter } from './time-format.js';

// A fixed clock: Wednesday 2026-11-25, 10:30 in London (UTC in winter).
const NOW = Date.parse('2026-11-25T10:30:00Z');
const london = createTimeFormatter({ timeZone: 'Europe/London' });
const tokyo = createTimeFormatter({ timeZone: 'Asia/Tokyo' }); // UTC+9: 19:30 on the 25th
const kolkata = createTimeFormatter({ timeZone: 'Asia/Kolkata' }); // UTC+5:30
const newYork = createTimeFormatter({ timeZone: 'America/New_York' }); // UTC-5: 05:30 on the 25th

describe('createTimeFormatter', () => {
  it('writes times of day as 24-hour HH:MM in the zone, midnight as 00', () => {
    expect(london.time(Date.parse('2026-11-25T14:05:00Z'))).toBe('14:05');
    expect(tokyo.time(Date.parse('2026-11-25T14:05:00Z'))).toBe('23:05');
    expect(kolkata.time(Date.parse('2026-11-25T14:05:00Z'))).toBe('19:35');
    expect(london.time(Date.parse('2026-11-25T00:00:00Z'))).toBe('00:00');
    expect(newYork.stamp(Date.parse('2026-11-25T03:04:00Z'))).toBe('2026-11-24 22:04');
  });

  it('names days Today, Yesterday, a weekday in the past week, else a short date (with the year when not this year)', () => {
    const at = (iso: string) => london.dayLabel(Date.parse(iso), NOW);
    expect(at('2026-11-25T00:00:00Z')).toBe('Today');
    expect(at('2026-11-24T23:59:59Z')).toBe('Yesterday');
    expect(at('2026-11-24T00:00:00Z')).toBe('Yesterday');
    expect(at('2026-11-23T12:00:00Z')).toBe('Monday');
    expect(at('2026-11-19T12:00:00Z')).toBe('Thursday');
    expect(at('2026-11-18T12:00:00Z')).toBe('Wed, Nov 18');
    expect(at('2025-12-31T12:00:00Z')).toBe('Wed, Dec 31, 2025');
    expect(london.dateTime(Date.parse('2026-11-24T09:30:00Z'), NOW)).toBe('Yesterday 09:30');
  });

  it('decides the day in the formatter’s zone, not UTC', () => {
    // 23:30 UTC on the 24th is already the 25th in Tokyo and still the 24th in New York.
    const late = Date.parse('2026-11-24T23:30:00Z');
    expect(tokyo.dayLabel(late, NOW)).toBe('Today');
    expect(london.dayLabel(late, NOW)).toBe('Yesterday');
    // 18:45 UTC on the 24th is 00:15 on the 25th in Kolkata (a half-hour zone).
    expect(kolkata.dayLabel(Date.parse('2026-11-24T18:45:00Z'), NOW)).toBe('Today');
    expect(kolkata.dayLabel(Date.parse('2026-11-24T18:15:00Z'), NOW)).toBe('Yesterday');
    expect(newYork.dayKey(late)).toBe('2026-11-24');
    expect(tokyo.dayKey(late)).toBe('2026-11-25');
  });

  it('says how long ago in words, across a daylight-saving change', () => {
    const ago = (ms: number) => london.ago(NOW - ms, NOW);
    expect(ago(20_000)).toBe('just now');
    expect(london.ago(NOW + 60_000, NOW)).toBe('just now');
    expect(ago(5 * 60_000)).toBe('5 minutes ago');
    expect(ago(60 * 60_000)).toBe('1 hour ago');
    expect(ago(3 * 3_600_000)).toBe('3 hours ago');
    expect(london.ago(Date.parse('2026-11-24T22:00:00Z'), NOW)).toBe('yesterday');
    expect(london.ago(Date.parse('2026-11-22T08:00:00Z'), NOW)).toBe('3 days ago');
    expect(london.ago(Date.parse('2026-11-01T08:00:00Z'), NOW)).toBe('on Sun, Nov 1');
    expect(london.lastSeen(NOW - 5 * 60_000, NOW)).toBe('last seen 5 minutes ago');
    // London went from summer time to winter time on 2026-10-25: still one calendar day apart.
    const autumn = Date.parse('2026-10-26T09:00:00Z');
    expect(london.dayLabel(Date.parse('2026-10-25T00:30:00Z'), autumn)).toBe('Yesterday');
    expect(london.time(Date.parse('2026-10-24T12:00:00Z'))).toBe('13:00');
  });

  it('refuses an unknown time zone', () => {
    expect(() => createTimeFormatter({ timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});
