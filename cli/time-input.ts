import { ChatError } from '../shared/protocol/index.js';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
const DURATION = /^(\d+)\s*(s|m|h|d|w)$/;

/** `30m`, `24h`, `7d`, `2w` → seconds; `flag` names the option in the error. */
export function parseDuration(text: string, flag = '--expires'): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new ChatError('invalid_request', `${flag}: "${text}" is not a duration like 30m, 24h or 7d`);
  return Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
}

/**
 * A point in time for --since: a date (`2026-11-01`, local midnight), a date and time
 * (`2026-11-01T14:30`, `2026-11-01 14:30`, with or without a zone), a duration ago (`3d`, `12h`),
 * or `today` / `yesterday`. Answers an ISO string.
 */
export function parseSince(text: string, now: Date = new Date(), flag = '--since'): string {
  const t = text.trim().toLowerCase();
  if (t === 'today' || t === 'yesterday') {
    const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (t === 'yesterday' ? 1 : 0));
    return d.toISOString();
  }
  if (DURATION.test(t)) return new Date(now.getTime() - parseDuration(t, flag) * 1000).toISOString();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2}))?(z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = m;
    const date = zone
      ? new Date(`${y}-${mo}-${d}T${h.padStart(2, '0')}:${mi}:${s.padStart(2, '0')}${zone === 'z' ? 'Z' : zone}`)
      : new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    if (!Number.isNaN(date.getTime()) && date.getMonth() === (zone ? date.getMonth() : Number(mo) - 1)) return date.toISOString();
  }
  throw new ChatError('invalid_request', `${flag}: cannot read "${text}"; use a date (2026-11-01), a date and time (2026-11-01 14:30), a duration ago (3d, 12h) or today/yesterday`);
}
