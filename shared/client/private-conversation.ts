import type { RoomEvent } from '../protocol/index.js';
import type { ConversationLine } from '../summarize/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession, Opened } from './e2e-session.js';
import { applyRelations, isOwnMessage } from './relations.js';

const PAGE = 500;

/**
 * A private room's newest `limit` messages (none older than `since`), decrypted on this device for
 * a summary, oldest first, with the room's relations applied as the timeline applies them
 * (`applyRelations`): each live message once, with its latest text (its author's newest edit);
 * edits, reactions and deletes are not messages, and a deleted message's text is left out.
 * `unread` counts the messages whose text (or latest edit) did not open; replayed copies are left out.
 */
export async function privateConversation(
  api: ApiClient,
  e2e: E2ESession,
  roomId: string,
  range: { readonly since?: string | undefined; readonly limit: number },
): Promise<{ lines: ConversationLine[]; unread: number }> {
  const since = range.since ? Date.parse(range.since) : -Infinity;
  const events: RoomEvent[] = [];
  // Messages of their own not deleted: what `limit` counts (relations ride along with them).
  let live = 0;
  let before: number | undefined;
  for (;;) {
    const page = await api.history(roomId, { limit: PAGE, ...(before === undefined ? {} : { before }) });
    const fresh = page.events.filter((e) => Date.parse(e.createdAt) >= since && e.kind === 'message');
    events.unshift(...fresh);
    live += fresh.filter((e) => isOwnMessage(e) && !e.redacted).length;
    const first = page.events[0];
    if (!page.hasMore || !first || page.events.some((e) => Date.parse(e.createdAt) < since) || live >= range.limit) break;
    before = first.seq;
  }
  // Only messages and edits carry text a summary uses (a reaction's key and a delete are not read).
  const toOpen = events.filter((e) => e.envelope && !e.redacted && (isOwnMessage(e) || e.relation?.type === 'edit'));
  const opened = new Map<string, Opened>();
  for (const [i, o] of (await e2e.openMany(toOpen)).entries()) {
    const e = toOpen[i];
    if (e && o) opened.set(e.id, o);
  }
  const contentOf = (e: RoomEvent): string | null => {
    const o = opened.get(e.id);
    return o?.status === 'ok' ? o.body : null;
  };
  // No user: reactions (whose mine-ness this would mark) do not reach a summary.
  const { messages } = applyRelations(events, '', contentOf);
  const lines: ConversationLine[] = [];
  let unread = 0;
  for (const view of messages.filter((m) => !m.deleted).slice(-range.limit)) {
    // A private room's message without an envelope is none this device could have read (as before).
    if (!view.event.envelope) continue;
    const status = opened.get(view.event.id)?.status;
    // A replayed copy is no message of this room's, read or not.
    if (status === 'replayed' || status === 'wrong_room') continue;
    if (view.text !== null) lines.push({ sender: view.event.sender.username, text: view.text, at: view.event.createdAt });
    else unread += 1;
  }
  return { lines, unread };
}
