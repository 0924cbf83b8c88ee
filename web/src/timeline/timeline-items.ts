import type { MessageView, PendingMessage } from '../../../shared/client/index.js';
import { isOwnMessage } from '../../../shared/client/index.js';
import { localTimeFormatter } from '../../../shared/text/time-format.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';

/** Messages from one sender this close together (ms) are drawn as one group. */
const GROUP_MS = 5 * 60_000;

/**
 * One row of a timeline, in the order shown: a day separator, the "new messages" line, a stored
 * event, or one of this user's messages still on its way. `grouped`: the same sender as the row
 * before, within a few minutes, so the name is not repeated. `key` is stable across renders.
 */
export type TimelineItem =
  | { readonly kind: 'day'; readonly key: string; readonly label: string }
  | { readonly kind: 'new'; readonly key: string }
  | {
      readonly kind: 'event';
      readonly key: string;
      readonly event: RoomEvent;
      readonly grouped: boolean;
      /** A message with the room's relations applied (latest text, edited, deleted, reactions, reply quote); absent for membership events or when not given. */
      readonly view?: MessageView | undefined;
    }
  | { readonly kind: 'pending'; readonly key: string; readonly pending: PendingMessage; readonly grouped: boolean };

/** Options of {@link timelineItems}. */
export interface TimelineItemsOptions {
  /** Where the user had read up to when the room was opened: the "new messages" line goes after it (none when null). */
  readonly newAfterSeq: number | null;
  /** The user's id: their own messages never start a "new messages" line. */
  readonly me: { readonly id: string; readonly username: string };
  /** Now, ms since epoch, for "Today" and "Yesterday". */
  readonly now: number;
  /** The messages with relations applied, by event id (`applyRelations(…).byId`); each message row carries its view. */
  readonly views?: ReadonlyMap<string, MessageView>;
}

/** A day's local date as a key: `YYYY-MM-DD` in the browser's zone (shared/text/time-format.ts). */
function dayKey(ms: number): string {
  return localTimeFormatter().dayKey(ms);
}

/** "Today", "Yesterday", a weekday in the past week, else "Mon, Nov 3": the words the TUI uses (shared/text/time-format.ts). */
export function dayLabel(ms: number, now: number): string {
  return localTimeFormatter().dayLabel(ms, now);
}

/**
 * The rows of a room's timeline: its events (ascending seq), then the user's pending messages, with a
 * separator where the local day changes and the "new messages" line before the first message from
 * someone else after `newAfterSeq` — and after the user's own latest join among `events`: what was
 * said before they joined is history, not new to them (a newcomer sees no line until someone writes
 * after their join; the server also starts a new member's read marker at their join). Edits, reactions and deletes get no row of their own: they fold
 * into the message they name, whose row carries its view from `options.views`. Pure: a virtualized
 * list renders the same rows.
 */
export function timelineItems(events: readonly RoomEvent[], pending: readonly PendingMessage[], options: TimelineItemsOptions): TimelineItem[] {
  const items: TimelineItem[] = [];
  let day: string | null = null;
  let last: { sender: string; at: number; message: boolean } | null = null;
  // History from before the user (last) joined is never "new", whatever the marker says.
  const joined = events.reduce((seq, e) => (e.kind === 'join' && e.sender.id === options.me.id ? Math.max(seq, e.seq) : seq), 0);
  const newAfterSeq = options.newAfterSeq === null ? null : Math.max(options.newAfterSeq, joined);
  let newShown = newAfterSeq === null;
  const row = (at: number, sender: string, message: boolean) => {
    const key = dayKey(at);
    if (key !== day) {
      day = key;
      items.push({ kind: 'day', key: `day:${key}`, label: dayLabel(at, options.now) });
      last = null;
    }
    const grouped: boolean = last !== null && last.message && message && last.sender === sender && at - last.at < GROUP_MS;
    last = { sender, at, message };
    return grouped;
  };
  for (const event of events) {
    if (event.kind === 'message' && !isOwnMessage(event)) continue;
    const at = Date.parse(event.createdAt);
    if (!newShown && newAfterSeq !== null && event.seq > newAfterSeq && event.kind === 'message' && event.sender.id !== options.me.id) {
      newShown = true;
      // The line first, then the day, so a new day's first message still sits under both.
      if (dayKey(at) === day) last = null;
      items.push({ kind: 'new', key: 'new' });
    }
    const grouped = row(at, event.sender.id, event.kind === 'message');
    items.push({ kind: 'event', key: event.id, event, grouped, view: options.views?.get(event.id) });
  }
  for (const p of pending) {
    const grouped = row(p.queuedAt, options.me.id, true);
    items.push({ kind: 'pending', key: `p:${p.clientMsgId}`, pending: p, grouped });
  }
  return items;
}
