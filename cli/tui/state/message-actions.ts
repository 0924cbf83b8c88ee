import type { MessageView } from '../../../shared/client/index.js';
import type { Room, RoomEvent } from '../../../shared/protocol/index.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import { columns } from './styled-wrap.js';
import type { TimelineRow } from './timeline-rows.js';

/** The reactions offered by number in the `+` prompt: every client's list (shared/text/quick-reactions.ts). */
export { QUICK_REACTIONS } from '../../../shared/text/quick-reactions.js';

/** What the composer's Enter does: send a message, save an edit of `target`, or send a reply to it. */
export type ComposeMode = { readonly kind: 'edit' | 'reply'; readonly target: RoomEvent } | null;

/** A question the app asks before acting on a message: which emoji to react with, or whether to delete. */
export type ActionPrompt =
  | { readonly kind: 'react'; readonly target: RoomEvent; readonly text: string }
  | { readonly kind: 'delete'; readonly target: RoomEvent }
  | null;

/**
 * The message picked in the timeline. `active`: selection mode (↑/↓ move it, e/d/r/+ act on it, Esc
 * leaves); not active: it stays marked as the target of a slash command being typed (`/react 🎉`).
 */
export interface Selection {
  readonly id: string;
  readonly active: boolean;
}

/** The messages a selection walks through, oldest first: the rows of messages (not join/leave lines, not pending ones). */
export function selectableIds(rows: readonly TimelineRow[]): string[] {
  return rows.flatMap((r) => (r.kind === 'event' && r.event.kind === 'message' ? [r.event.id] : []));
}

/**
 * The selection after moving `delta` messages (−1 older, +1 newer) from `current` among `ids`; null
 * when moving past the newest (selection mode ends there, as in a list), the oldest when moving past it.
 */
export function moveSelection(ids: readonly string[], current: string, delta: number): string | null {
  const i = ids.indexOf(current);
  if (i < 0) return ids.at(-1) ?? null;
  const next = i + delta;
  if (next >= ids.length) return null;
  return ids[Math.max(0, next)] ?? null;
}

/**
 * The scroll offset (terminal rows up from the newest, see `viewport`) that shows the rows
 * `[start, end)` of a `total`-row layout in a `height`-row timeline, moving as little as possible
 * from `offset`: unchanged when they are already in view. A row taller than the view counts as in
 * view while any of its rows shows (it cannot show whole; the reader may be scrolling through it);
 * when none shows, its top is brought in.
 */
export function scrollToShow(total: number, height: number, offset: number, start: number, end: number): number {
  const maxOffset = total <= height ? 0 : total - Math.max(1, height - 1);
  const clamp = (o: number) => Math.min(Math.max(0, o), maxOffset);
  const shown = (o: number) => {
    const last = total - o;
    return { first: Math.max(0, last - (o > 0 ? Math.max(0, height - 1) : height)), last };
  };
  const now = shown(clamp(offset));
  if (start >= now.first && end <= now.last) return clamp(offset);
  const tall = end - start > Math.max(1, height - 1);
  if (tall && start < now.last && end > now.first) return clamp(offset);
  if (end > now.last) {
    const o = clamp(total - end);
    if (start >= shown(o).first) return o;
  }
  // Scrolled back, height − 1 rows show: put the row's top at the top.
  return clamp(total - start - Math.max(1, height - 1));
}

/**
 * Why this user may not act on `view`'s message, or null when they may: only one's own messages are
 * edited; one's own are deleted, or any by the room's owner; a deleted message takes no edit, reply or
 * reaction. The server decides in the end; this answers before a round trip.
 */
export function actionRefusal(action: 'edit' | 'delete' | 'reply' | 'react', view: MessageView | undefined, event: RoomEvent, me: string, room: Room): string | null {
  if (view?.deleted) return action === 'delete' ? 'that message is already deleted' : 'that message was deleted';
  const own = event.sender.id === me;
  if (action === 'edit' && !own) return 'only your own messages can be edited';
  if (action === 'delete' && !own && room.role !== 'owner') return "only your own messages can be deleted (or any, in a room you own)";
  if ((action === 'edit' || action === 'reply' || action === 'react') && view && view.text === null) return 'that message is not open here';
  return null;
}

/** A message's text folded to one line and cut to `width` display columns with "…", for a banner or prompt. */
export function snippet(text: string, width: number): string {
  const line = neutralize(text.replace(/\s+/g, ' ').trim());
  if (columns(line) <= width) return line;
  let out = '';
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(line)) {
    if (columns(out + segment) > Math.max(0, width - 1)) break;
    out += segment;
  }
  return `${out}…`;
}
