import type { RoomEvent } from '../protocol/index.js';
import type { MessageIndex } from '../search/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession } from './e2e-session.js';

const PAGE = 500;

/**
 * Brings the local index of private rooms up to date: fetches each room's events after the last one
 * indexed, decrypts them here (the server has only ciphertext) and indexes the text. Messages whose
 * keys have not arrived are kept and tried again on the next update.
 */
export async function updatePrivateIndex(
  index: MessageIndex,
  api: ApiClient,
  e2e: E2ESession,
  rooms: readonly { readonly id: string; readonly name: string }[],
): Promise<{ added: number; waiting: number }> {
  if (rooms.length === 0) return { added: 0, waiting: 0 };
  await e2e.sync();
  let added = 0;
  let waiting = 0;
  for (const room of rooms) {
    const known = index.room(room.id);
    const stillWaiting: RoomEvent[] = [];
    const take = async (events: readonly RoomEvent[]) => {
      const messages = events.filter((e) => e.kind === 'message' && e.envelope);
      const opened = await e2e.openMany(messages);
      for (const [i, event] of messages.entries()) {
        const o = opened[i];
        if (o?.status === 'waiting') stillWaiting.push(event);
        if (o?.status !== 'ok') continue;
        index.add({
          id: event.id,
          roomId: room.id,
          roomName: room.name,
          seq: event.seq,
          senderId: event.sender.id,
          sender: event.sender.username,
          createdAt: event.createdAt,
          text: o.body,
        });
        added += 1;
      }
    };
    await take(known.pending);
    let after = known.indexedSeq;
    for (;;) {
      const page = await api.history(room.id, { after, limit: PAGE });
      await take(page.events);
      after = page.events.at(-1)?.seq ?? after;
      if (!page.hasMore) break;
    }
    index.setRoom(room.id, after, stillWaiting);
    waiting += stillWaiting.length;
  }
  return { added, waiting };
}
