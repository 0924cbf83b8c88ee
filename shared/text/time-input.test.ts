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
    expect(() => parseSince('2026-02-31', now)).toThrow(/--since: "2026-02-31" is not a date: 2026-02 has no day 31/);
  });
});

describe('--since refuses what is no real moment', () => {
  const now = new Date(2026, 10, 25, 15, 30);

  // '2026-02-30T10:00Z' was taken as 2 March, '2026-11-30 14:30:99' as 14:31:39, and 99999999d went to
  // the server, which answered "since: Invalid ISO datetime".
  it('refuses a day the month does not have, with or without a time or a zone', () => {
    expect(() => parseSince('2026-02-30T10:00Z', now)).toThrow('--since: "2026-02-30T10:00Z" is not a date: 2026-02 has no day 30');
    expect(() => parseSince('2026-02-29 10:00', now)).toThrow(/2026-02 has no day 29/);
    expect(() => parseSince('2026-04-31T10:00+02:00', now)).toThrow(/has no day 31/);
    expect(() => parseSince('2026-13-01T10:00Z', now)).toThrow(/there is no month 13/);
    expect(() => parseSince('2026-00-10', now)).toThrow(/there is no month 00/);
    expect(() => parseSince('2026-01-00 10:00', now)).toThrow(/has no day 00/);
    expect(parseSince('2028-02-29T10:00Z', now)).toBe('2028-02-29T10:00:00.000Z');
  });

  it('refuses a time of day past 23:59:59, and a zone past ±14:00', () => {
    expect(() => parseSince('2026-11-30 14:30:99', now)).toThrow('--since: "2026-11-30 14:30:99" is not a time of day: hours run 00–23, minutes and seconds 00–59');
    expect(() => parseSince('2026-11-30 24:00', now)).toThrow(/not a time of day/);
    expect(() => parseSince('2026-11-30T10:60Z', now)).toThrow(/not a time of day/);
    expect(() => parseSince('2026-11-30T10:00+25:00', now)).toThrow(/no real time zone/);
    expect(() => parseSince('2026-11-30T10:00+02:75', now)).toThrow(/no real time zone/);
    expect(parseSince('2026-11-30T23:59:59-14:00', now)).toBe('2026-12-01T13:59:59.000Z');
  });

  it('refuses a duration that reaches back more than 100 years, and a year before 1970', () => {
    expect(() => parseSince('99999999d', now)).toThrow('--since: "99999999d" reaches back more than 100 years; use at most 36500d, or a date');
    expect(() => parseSince('99999999999999999999w', now)).toThrow(/--since: .* too long a duration/);
    expect(parseSince('36500d', now)).toBe(new Date(now.getTime() - 36_500 * 86_400_000).toISOString());
    expect(() => parseSince('0099-01-01', now)).toThrow(/before 1970/);
  });
});
