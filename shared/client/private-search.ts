import type { RoomEvent } from '../protocol/index.js';
import type { MessageIndex } from '../search/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession, Opened } from './e2e-session.js';

const PAGE = 500;

/**
 * What opening gives for a message whose key is not on this device (yet): it is kept and opened again
 * on every update, so it is indexed once its key comes by any path (the sender's device sharing it
 * late, another device approving this one and forwarding keys, the key backup restored). The other
 * statuses (replayed, wrong_room, unreadable) never open, whatever key comes.
 */
const KEY_MISSING: ReadonlySet<Opened['status']> = new Set(['waiting', 'not_shared', 'before_join', 'before_device']);

/** What an update of the private index left: messages indexed, and those whose keys are not here, with their rooms. */
export interface PrivateIndexUpdate {
  readonly added: number;
  /**
   * Messages not searchable yet: their keys are not on this device (kept; indexed when they come). A
   * message and its edits count once; messages sent before the user joined are kept but not counted.
   */
  readonly waiting: number;
  /** The rooms those messages are in. */
  readonly waitingRooms: number;
}

/**
 * Brings the local index of private rooms up to date: fetches each room's events after the last one
 * indexed, decrypts them here (the server has only ciphertext) and indexes the text, relations applied:
 * an edit replaces its target's text, a delete removes the target (and so its edits), reactions are
 * not indexed. Messages whose keys are not here (any `KEY_MISSING` status: waiting for the sender, never
 * shared, from before this device or the user's joining) are kept and opened again on every update.
 */
export async function updatePrivateIndex(
  index: MessageIndex,
  api: ApiClient,
  e2e: E2ESession,
  rooms: readonly { readonly id: string; readonly name: string }[],
): Promise<PrivateIndexUpdate> {
  if (rooms.length === 0) return { added: 0, waiting: 0, waitingRooms: 0 };
  await e2e.sync();
  let added = 0;
  let waiting = 0;
  let waitingRooms = 0;
  for (const room of rooms) {
    const known = index.room(room.id);
    const stillWaiting: RoomEvent[] = [];
    /** The ids in stillWaiting, and those sent before the user joined (no key was meant for them: kept, but not counted). */
    const waitingIds = new Set<string>();
    const beforeJoin = new Set<string>();
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
          const kept = stillWaiting.filter((e) => !gone(e));
          if (kept.length < stillWaiting.length) {
            stillWaiting.splice(0, stillWaiting.length, ...kept);
            waitingIds.clear();
            for (const e of kept) waitingIds.add(e.id);
          }
          continue;
        }
        const o = opened.get(event.id);
        if (o && KEY_MISSING.has(o.status) && !waitingIds.has(event.id)) {
          stillWaiting.push(event);
          waitingIds.add(event.id);
          if (o.status === 'before_join') beforeJoin.add(event.id);
        }
        if (o?.status !== 'ok') continue;
        if (rel?.type === 'edit') index.edit(rel.eventId, { seq: event.seq, senderId: event.sender.id, text: o.body, createdAt: event.createdAt });
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
    const before = added;
    await take(known.pending);
    // The messages kept only as a span (more than the index keeps whole) are fetched again once keys
    // have come (a kept one opened now), or when none is kept to tell.
    let overflow = known.overflow;
    if (overflow && (added > before || known.pending.length === 0)) {
      const { from, to } = overflow;
      overflow = undefined;
      for (let at = from - 1; at < to; ) {
        const page = await api.history(room.id, { after: at, limit: PAGE });
        await take(page.events.filter((e) => e.seq <= to));
        at = page.hasMore ? (page.events.at(-1)?.seq ?? to) : to;
      }
    }
    let after = known.indexedSeq;
    for (;;) {
      const page = await api.history(room.id, { after, limit: PAGE });
      await take(page.events);
      after = page.events.at(-1)?.seq ?? after;
      if (!page.hasMore) break;
    }
    index.setRoom(room.id, after, stillWaiting.sort((a, b) => a.seq - b.seq), overflow);
    const locked = index.room(room.id);
    // Messages, not events: a message and its edits waiting count once. Those sent before the user
    // joined are not counted: no key was meant for them (they are still opened again, should one come).
    const counted = locked.pending.filter((e) => !beforeJoin.has(e.id));
    const count = new Set(counted.map((e) => (e.relation?.type === 'edit' ? e.relation.eventId : e.id))).size + (locked.overflow?.count ?? 0);
    waiting += count;
    if (count > 0) waitingRooms += 1;
  }
  return { added, waiting, waitingRooms };
}
