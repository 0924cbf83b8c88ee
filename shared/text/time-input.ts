import { ChatError } from '../protocol/index.js';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
const DURATION = /^(\d+)\s*(s|m|h|d|w)$/;

/** The longest duration ago --since takes: 100 years, in seconds (older than any message). */
const MAX_SINCE_SECONDS = 36_500 * 86_400;

/**
 * `30m`, `24h`, `7d`, `2w` → seconds; `flag` names the option in the error. Throws
 * ChatError('invalid_request') for anything else, and for a count too large to be exact (past 2^53 s).
 */
export function parseDuration(text: string, flag = '--expires'): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new ChatError('invalid_request', `${flag}: "${text}" is not a duration like 30m, 24h or 7d`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  if (!Number.isSafeInteger(seconds)) throw new ChatError('invalid_request', `${flag}: "${text}" is too long a duration`);
  return seconds;
}

/** Days in a month of the proleptic Gregorian calendar (`month` 1–12). */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A point in time for --since: a date (`2026-11-01`, local midnight), a date and time
 * (`2026-11-01T14:30`, `2026-11-01 14:30`, seconds optional, with or without a zone `Z` or `+02:00`),
 * a duration ago (`3d`, `12h`, at most 100 years: 36500d), or `today` / `yesterday`. Answers an ISO
 * string. Throws ChatError('invalid_request') naming the flag for what it cannot read, and for what
 * is no real moment rather than rolling it over (`2026-02-30`, `14:30:99`, `24:00`, zone `+25:00`, a year
 * before 1970, a duration past 100 years).
 */
export function parseSince(text: string, now: Date = new Date(), flag = '--since'): string {
  const t = text.trim().toLowerCase();
  if (t === 'today' || t === 'yesterday') {
    const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (t === 'yesterday' ? 1 : 0));
    return d.toISOString();
  }
  if (DURATION.test(t)) {
    const seconds = parseDuration(t, flag);
    if (seconds > MAX_SINCE_SECONDS) throw new ChatError('invalid_request', `${flag}: "${text.trim()}" reaches back more than 100 years; use at most 36500d, or a date`);
    return new Date(now.getTime() - seconds * 1000).toISOString();
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2}))?(z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
    const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
    const shown = text.trim();
    if (year < 1970) throw new ChatError('invalid_request', `${flag}: "${shown}" is before 1970; no message is that old`);
    if (month < 1 || month > 12) throw new ChatError('invalid_request', `${flag}: "${shown}" is not a date: there is no month ${mo}`);
    if (day < 1 || day > daysInMonth(year, month)) throw new ChatError('invalid_request', `${flag}: "${shown}" is not a date: ${y}-${mo} has no day ${d}`);
    if (hour > 23 || minute > 59 || second > 59) {
      throw new ChatError('invalid_request', `${flag}: "${shown}" is not a time of day: hours run 00–23, minutes and seconds 00–59`);
    }
    const offset = zone && zone !== 'z' ? /^[+-](\d{2}):?(\d{2})$/.exec(zone) : null;
    if (offset && (Number(offset[1]) > 14 || Number(offset[2]) > 59)) {
      throw new ChatError('invalid_request', `${flag}: "${shown}" has no real time zone: offsets run from -14:00 to +14:00`);
    }
    const date = zone
      ? new Date(Date.UTC(year, month - 1, day, hour, minute, second) - (offset ? (zone.startsWith('-') ? -1 : 1) * (Number(offset[1]) * 60 + Number(offset[2])) * 60_000 : 0))
      : new Date(year, month - 1, day, hour, minute, second);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new ChatError('invalid_request', `${flag}: cannot read "${text}"; use a date (2026-11-01), a date and time (2026-11-01 14:30), a duration ago (3d, 12h) or today/yesterday`);
}
