import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { ChatModel, MemoryOutboxStore } from '../../shared/client/index.js';
import type { E2ESession, MessageNotice, MessageView, RoomRemoval, StoredSession } from '../../shared/client/index.js';
import { isDirectMessage } from '../../shared/protocol/index.js';
import type { Room } from '../../shared/protocol/index.js';
import type { WebClient } from './client.js';

const HISTORY = 50;

/**
 * The browser's view of the shared client model (shared/client/chat-model.ts): rooms, timelines,
 * pending messages, typing and the connection, with read positions kept in localStorage per user. The
 * outbox lives in memory, so the page asks before it unloads with messages not yet sent.
 */
/** What {@link useRooms} gives a page: the model's snapshot and its actions. */
export type Chat = ReturnType<typeof useRooms>;

export function useRooms(client: WebClient, session: StoredSession, e2e: E2ESession) {
  const { api, live } = client;
  const model = useMemo(() => {
    const readKey = `chat.read.${session.user.id}`;
    const read = JSON.parse(window.localStorage.getItem(readKey) ?? '{}') as Record<string, number>;
    return new ChatModel({
      api,
      live,
      e2e,
      user: session.user,
      outbox: new MemoryOutboxStore(),
      readPositions: read,
      saveReadPosition: (roomId, seq) => {
        read[roomId] = seq;
        window.localStorage.setItem(readKey, JSON.stringify(read));
      },
      pageSize: HISTORY,
    });
  }, [api, live, e2e, session.user]);

  useEffect(() => {
    // A room list that cannot be fetched now is fetched when the socket connects.
    model.start().catch(() => undefined);
    // Messages typed but not yet acknowledged would be lost with the page: ask first.
    const onUnload = (event: BeforeUnloadEvent) => {
      if (!model.hasUnsent()) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onUnload);
    return () => {
      window.removeEventListener('beforeunload', onUnload);
      model.stop();
    };
  }, [model]);

  // What was typed in each room's box and not sent, by room id: kept for the life of the model (this
  // signed-in page), in memory only, so no draft (a private room's above all) is ever written to disk.
  // A new model (another user) starts with no drafts.
  const drafts = useMemo(() => new Map<string, string>(), [model]);

  const snapshot = useSyncExternalStore(model.subscribe, model.getSnapshot);
  // The same function for the model's life, so a page subscribes once.
  const onNotice = useMemo(() => (listener: (notice: MessageNotice) => void) => model.onNotice(listener), [model]);
  const onRemoved = useMemo(() => (listener: (removal: RoomRemoval) => void) => model.onRemoved(listener), [model]);

  return useMemo(
    () => ({
      rooms: snapshot.rooms,
      loaded: snapshot.loaded,
      views: snapshot.timelines,
      opened: snapshot.opened,
      pending: snapshot.pending,
      /** Messages replies answer from outside the loaded history, fetched on their own (see ChatSnapshot.quoted). */
      quoted: snapshot.quoted,
      connection: snapshot.connection,
      /** How a room is named on screen: `@peer` for direct messages, `#name` or `🔒 name` otherwise. */
      title: (room: Pick<Room, 'id' | 'name' | 'visibility'>) => (isDirectMessage(room) ? `@${snapshot.peers.get(room.id)?.username ?? '…'}` : `${room.visibility === 'private' ? '🔒 ' : '#'}${room.name}`),
      refresh: () => model.refreshRooms(),
      loadOlder: async (roomId: string) => {
        await model.loadOlder(roomId);
      },
      /** Loads older history until the event of `seq` is in the room's timeline (for a jump to a search hit). */
      loadUntil: (roomId: string, seq: number) => model.loadUntil(roomId, seq),
      markRead: (roomId: string) => model.markRead(roomId),
      /** Opens again the private messages that did not open (after the key backup brought their keys). */
      reopen: () => model.reopen(),
      unread: (roomId: string) => snapshot.unread.get(roomId)?.count ?? 0,
      /** Whether an unread message in the room mentions this user. */
      mentioned: (roomId: string) => snapshot.unread.get(roomId)?.mention ?? false,
      /** The other person of a direct-message room, with their presence; undefined until known. */
      peer: (roomId: string) => snapshot.peers.get(roomId),
      /**
       * Queues the message (shown as pending at once) and resolves once it is queued; it rejects only when
       * the message cannot be queued at all (so the composer keeps the text). One the server refuses later
       * stays in the timeline, marked failed with the reason, until retried or discarded: it may have been
       * typed minutes ago, while the server was away.
       */
      send: async (room: Room, text: string) => {
        const item = await model.send(room, text);
        model.whenSent(item.clientMsgId).catch(() => undefined);
      },
      /**
       * Queues an edit of this user's message in the outbox (sealed here in a private room when sent); it
       * shows as "(edit pending)" until it comes back as a room event, or failed with Retry/Discard.
       */
      edit: async (room: Room, view: MessageView, text: string) => {
        await model.edit(room, view.event, text);
      },
      /** Queues a reply quoting the message (a pending row until stored; sealed here in a private room). */
      reply: async (room: Room, view: MessageView, text: string) => {
        await model.reply(room, view.event, text);
      },
      /** Toggles this user's reaction `key` on the message through the outbox (a pending chip until stored). */
      react: async (room: Room, view: MessageView, key: string) => {
        await model.react(room, view.event, key);
      },
      /** Queues the deletion of the message for good (this user's, or any in a room they own); "(delete pending)" until done. */
      deleteMessage: async (room: Room, view: MessageView) => {
        await model.deleteMessage(room, view.event.seq);
      },
      /** Queues a failed message again. */
      retry: (clientMsgId: string) => model.retry(clientMsgId),
      /** Drops a failed message. */
      discard: (clientMsgId: string) => model.discard(clientMsgId),
      typing: (room: Room, active: boolean) => model.typing(room.id, active),
      /** What was typed in the room's message box and not sent ('' when nothing), kept while this page is signed in. */
      draft: (roomId: string) => drafts.get(roomId) ?? '',
      /** Keeps `text` as the room's draft; '' forgets it (as sending does). */
      saveDraft: (roomId: string, text: string) => {
        if (text) drafts.set(roomId, text);
        else drafts.delete(roomId);
      },
      /**
       * Calls `listener` for each live message from someone else that mentions this user (outside code,
       * by the shared markdown rule; private rooms once decrypted) or came in a DM; returns the unsubscribe.
       */
      onNotice,
      /** Calls `listener` when the room's owner removed this user from a room (it has left the list); returns the unsubscribe. */
      onRemoved,
    }),
    [snapshot, model, onNotice, onRemoved, drafts],
  );
}
