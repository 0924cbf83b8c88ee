import type { MessageView, PendingMessage } from '../../../shared/client/index.js';
import { isOwnMessage } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { localTimeFormatter } from '../../../shared/text/time-format.js';

/** One line-group of the timeline as drawn: a day separator, the "new" marker, an event, or a message of this user's not yet stored. */
export type TimelineRow =
  | { readonly kind: 'day'; readonly key: string; readonly label: string }
  | { readonly kind: 'new'; readonly key: string }
  | {
      readonly kind: 'event';
      readonly key: string;
      readonly event: RoomEvent;
      /** For a message: the message with the room's relations applied (latest text, edited, deleted, reactions, reply quote); absent when not known. */
      readonly view?: MessageView | undefined;
    }
  | { readonly kind: 'pending'; readonly key: string; readonly message: PendingMessage };

/**
 * Whether a timeline row's key is a separator's (a day's or the "new" marker): rows keyed by what they
 * mark, not by an event, so they move to the top of the older messages of their day when those load.
 */
export function isSeparatorKey(key: string): boolean {
  return key === 'new' || key.startsWith('day:');
}

/** The rows of messages still on their way, below the room's events. */
export function pendingRows(pending: readonly PendingMessage[]): TimelineRow[] {
  return pending.map((message) => ({ kind: 'pending', key: `p:${message.clientMsgId}`, message }));
}

/** What a pending message says after its text: "(sending…)", "(pending: …)" or "(not sent: …)". */
export function pendingLabel(message: PendingMessage): string {
  switch (message.status) {
    case 'sending':
      return '(sending…)';
    case 'queued':
      return '(pending: sent once connected)';
    case 'failed':
      return `(not sent: ${message.error?.message ?? 'refused'} — /retry or /discard)`;
    default: {
      const unreachable: never = message.status;
      return String(unreachable);
    }
  }
}

/**
 * The rows of a timeline: a separator where the day changes (named by the shared formatter,
 * shared/text/time-format.ts, in the machine's zone or `opts.timeZone`: "Today", "Yesterday", a weekday…), and a "new" marker before the first
 * shown event after the read position (only if something unread follows). Keys are stable across
 * renders. Relation events (edits, reactions, deletes) get no row: they fold into the message they
 * name, whose row carries its view from `opts.views` (see `applyRelations`).
 */
export function timelineRows(
  events: readonly RoomEvent[],
  opts: { readSeq: number; now: number; timeZone?: string; views?: ReadonlyMap<string, MessageView> },
): TimelineRow[] {
  const format = localTimeFormatter(opts.timeZone);
  const rows: TimelineRow[] = [];
  let lastDay: string | undefined;
  let markerPlaced = false;
  for (const event of events) {
    if (event.kind === 'message' && !isOwnMessage(event)) continue;
    const at = Date.parse(event.createdAt);
    const day = format.dayKey(at);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day:${day}`, label: format.dayLabel(at, opts.now) });
      lastDay = day;
    }
    if (!markerPlaced && opts.readSeq > 0 && event.seq > opts.readSeq) {
      rows.push({ kind: 'new', key: 'new' });
      markerPlaced = true;
    }
    rows.push({ kind: 'event', key: `e:${event.id}`, event, view: opts.views?.get(event.id) });
  }
  return rows;
}
