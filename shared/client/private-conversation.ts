import type { RoomEvent } from '../protocol/index.js';
import type { ConversationLine } from '../summarize/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession } from './e2e-session.js';

const PAGE = 500;

/**
 * A private room's newest `limit` messages (none older than `since`), decrypted on this device for
 * a summary, oldest first; `unread` counts the messages that did not open (replayed copies are left out).
 */
export async function privateConversation(
  api: ApiClient,
  e2e: E2ESession,
  roomId: string,
  range: { readonly since?: string | undefined; readonly limit: number },
): Promise<{ lines: ConversationLine[]; unread: number }> {
  const since = range.since ? Date.parse(range.since) : -Infinity;
  const events: RoomEvent[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await api.history(roomId, { limit: PAGE, ...(before === undefined ? {} : { before }) });
    const fresh = page.events.filter((e) => Date.parse(e.createdAt) >= since);
    events.unshift(...fresh.filter((e) => e.kind === 'message' && e.envelope));
    const first = page.events[0];
    if (!page.hasMore || !first || fresh.length < page.events.length || events.length >= range.limit) break;
    before = first.seq;
  }
  const chosen = events.slice(-range.limit);
  const lines: ConversationLine[] = [];
  let unread = 0;
  const opened = await e2e.openMany(chosen);
  for (const [i, event] of chosen.entries()) {
    const o = opened[i];
    if (o?.status === 'ok') lines.push({ sender: event.sender.username, text: o.body, at: event.createdAt });
    // A replayed copy is no message of this room's, read or not.
    else if (o?.status !== 'replayed' && o?.status !== 'wrong_room') unread += 1;
  }
  return { lines, unread };
}
