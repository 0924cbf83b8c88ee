/*
 * One way to write dates and times for every client — the TUI, `chat read` and the other commands, and
 * the web page — built on Intl.DateTimeFormat and Intl.RelativeTimeFormat (no library: both are in Node
 * and every browser). Times of day are 24-hour `HH:MM`; days are "Today", "Yesterday", the weekday for
 * the past week, else a short date ("Mon, Nov 3", with the year when it is not this year's); "last
 * seen" is relative ("5 minutes ago", "yesterday"). The words are English, as the rest of the
 * interface is. The zone is the machine's (or the browser's) unless one is given: tests pass a fixed
 * zone and a fixed `now`.
 */

/** What a formatter is made with: an IANA time zone (default: this machine's) and a BCP 47 locale for dates (default `en-US`). */
export interface TimeFormatOptions {
  readonly timeZone?: string | undefined;
  readonly locale?: string | undefined;
}

/** Formats instants (ms since the epoch) for people, in one time zone. Pure apart from its caches. */
export interface TimeFormatter {
  /** The IANA zone it writes times in. */
  readonly timeZone: string;
  /** The calendar day of an instant in the zone, `YYYY-MM-DD` (for grouping and for keys). */
  dayKey(ms: number): string;
  /** A day separator's words: "Today", "Yesterday", a weekday within the past 6 days, else "Mon, Nov 3" (", 2025" when not this year). */
  dayLabel(ms: number, now: number): string;
  /** A message's time of day, 24-hour `HH:MM`. */
  time(ms: number): string;
  /** An unambiguous, sortable stamp for logs and scripts (`chat read`, `chat search`): `YYYY-MM-DD HH:MM`. */
  stamp(ms: number): string;
  /** A day and time in words: "Today 14:05", "Yesterday 09:30", "Monday 18:00", "Mon, Nov 3 08:15" (search hits, device lists). */
  dateTime(ms: number, now: number): string;
  /** How long ago, in words: "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago", else "on Mon, Nov 3" (a future instant is "just now"). */
  ago(ms: number, now: number): string;
  /** A member's presence line: "last seen 5 minutes ago", "last seen yesterday". */
  lastSeen(ms: number, now: number): string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Every zone's offset is a multiple of 15 minutes, so a day starts on a 15-minute boundary: instants are cached by quarter hour. */
const QUARTER_HOUR = 15 * MINUTE;
const CACHE_SIZE = 4_096;

/** A formatter for a zone and locale (see {@link TimeFormatOptions}). Throws a RangeError for an unknown time zone. */
export function createTimeFormatter(options: TimeFormatOptions = {}): TimeFormatter {
  const locale = options.locale ?? 'en-US';
  const timeZone = options.timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
  const ymd = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hourCycle: 'h23' });
  const hm = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const weekday = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long' });
  const shortDate = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', month: 'short', day: 'numeric' });
  const shortDateYear = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' });
  const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const days = new Map<number, string>();

  const dayKey = (ms: number): string => {
    const bucket = Math.floor(ms / QUARTER_HOUR);
    let key = days.get(bucket);
    if (key === undefined) {
      const parts = Object.fromEntries(ymd.formatToParts(bucket * QUARTER_HOUR).map((p) => [p.type, p.value]));
      key = `${parts.year}-${parts.month}-${parts.day}`;
      if (days.size >= CACHE_SIZE) days.clear();
      days.set(bucket, key);
    }
    return key;
  };
  /** Whole calendar days from `ms`'s day to `now`'s (0: the same day, 1: yesterday; negative: a later day). */
  const daysBefore = (ms: number, now: number): number => (Date.parse(`${dayKey(now)}T00:00:00Z`) - Date.parse(`${dayKey(ms)}T00:00:00Z`)) / 86_400_000;
  const time = (ms: number): string => {
    // Some engines write midnight as 24:00 even with h23; 00 is meant.
    const t = hm.format(ms);
    return t.startsWith('24') ? `00${t.slice(2)}` : t;
  };
  const dayLabel = (ms: number, now: number): string => {
    const before = daysBefore(ms, now);
    if (before === 0) return 'Today';
    if (before === 1) return 'Yesterday';
    if (before > 1 && before < 7) return weekday.format(ms);
    return (dayKey(ms).slice(0, 4) === dayKey(now).slice(0, 4) ? shortDate : shortDateYear).format(ms);
  };
  const ago = (ms: number, now: number): string => {
    const elapsed = now - ms;
    if (elapsed < MINUTE) return 'just now';
    if (elapsed < HOUR) return relative.format(-Math.floor(elapsed / MINUTE), 'minute');
    const before = daysBefore(ms, now);
    if (elapsed < 24 * HOUR && before === 0) return relative.format(-Math.floor(elapsed / HOUR), 'hour');
    if (before <= 1) return relative.format(-1, 'day');
    if (before < 7) return relative.format(-before, 'day');
    return `on ${dayLabel(ms, now)}`;
  };
  return {
    timeZone,
    dayKey,
    dayLabel,
    time,
    stamp: (ms) => `${dayKey(ms)} ${time(ms)}`,
    dateTime: (ms, now) => `${dayLabel(ms, now)} ${time(ms)}`,
    ago,
    lastSeen: (ms, now) => `last seen ${ago(ms, now)}`,
  };
}

const byZone = new Map<string, TimeFormatter>();

/**
 * The `en-US` formatter for a time zone (default: this machine's or browser's own), made once per zone,
 * so a render may ask for it every time. Throws a RangeError for an unknown zone.
 */
export function localTimeFormatter(timeZone?: string): TimeFormatter {
  const key = timeZone ?? '';
  let found = byZone.get(key);
  if (!found) {
    found = createTimeFormatter({ timeZone });
    byZone.set(key, found);
  }
  return found;
}
