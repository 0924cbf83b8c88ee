import type { RoomEvent } from '../protocol/index.js';
import type { MessageIndex } from '../search/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession } from './e2e-session.js';

const PAGE = 500;

/**
 * Brings the local index of private rooms up to date: fetches each room's events after the last one
 * indexed, decrypts them here (the server has only ciphertext) and indexes the text, relations applied:
 * an edit replaces its target's text, a delete removes the target (and so its edits), reactions are
 * not indexed. Messages whose keys have not arrived are kept and tried again on the next update.
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
      // Reactions are not text anyone searches for; deletes carry none.
      const toOpen = events.filter((e) => e.kind === 'message' && e.envelope && e.relation?.type !== 'reaction' && e.relation?.type !== 'delete');
      const opened = new Map((await e2e.openMany(toOpen)).map((o, i) => [toOpen[i]?.id, o]));
      // In seq order, so that a delete follows what it deletes and the latest edit wins.
      for (const event of events) {
        const rel = event.relation;
        if (event.kind === 'message' && rel?.type === 'delete') {
          index.remove(rel.eventId);
          const gone = (e: RoomEvent) => e.id === rel.eventId || (e.relation?.type === 'edit' && e.relation.eventId === rel.eventId);
          stillWaiting.splice(0, stillWaiting.length, ...stillWaiting.filter((e) => !gone(e)));
          continue;
        }
        const o = opened.get(event.id);
        if (o?.status === 'waiting') stillWaiting.push(event);
        if (o?.status !== 'ok') continue;
        if (rel?.type === 'edit') index.edit(rel.eventId, { seq: event.seq, senderId: event.sender.id, text: o.body });
        else
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
