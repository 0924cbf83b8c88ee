import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { ChatModel, MemoryOutboxStore } from '../../shared/client/index.js';
import type { ApiClient, ChatSnapshot, DevicePrompts, E2ESession, LiveClient, MessageNotice, OutboxStore, RoomRemoval, SearchAnswer, StoredSession } from '../../shared/client/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import type { Room, RoomEvent, Summary, SummaryType } from '../../shared/protocol/index.js';
import type { DraftBook } from './state/drafts.js';
import type { SearchScope } from '../../shared/search/search-options.js';

export type { DmPeer } from '../../shared/client/index.js';

/** Whether an error means the session is over and only signing in again helps. */
export const sessionEnded = (error: unknown): error is ChatError =>
  error instanceof ChatError && (error.code === 'session_revoked' || error.code === 'unauthorized');

/** What the screen needs from the client library, passed in so tests can fake it. */
export interface ChatDeps {
  readonly api: ApiClient;
  readonly live: LiveClient;
  readonly e2e: E2ESession;
  readonly session: StoredSession;
  readonly readPositions: Readonly<Record<string, number>>;
  readonly saveReadPosition: (roomId: string, seq: number) => void;
  readonly now: () => number;
  /** Where unsent messages are kept across restarts (default: memory, lost on quit). */
  readonly outbox?: OutboxStore;
  /** Each room's unsent composer text, kept across restarts (default: memory, lost on quit). */
  readonly drafts?: DraftBook;
  /**
   * Searches every room (open ones on the server, private ones in the local index), or those `scope`
   * names; rejects as `resolveScope` does for a scope it cannot read. What it could not search is counted.
   */
  readonly search: (query: string, scope?: SearchScope) => Promise<SearchAnswer>;
  /**
   * Summarizes a room (open: by the server; private: here). `agree` consents to sending a private
   * room to a remote provider; `onText` receives a streamed answer.
   */
  readonly summarize: (room: Room, type: SummaryType, agree: boolean, onText: (delta: string) => void) => Promise<Summary>;
  /**
   * Told once when the session ended (signed out or revoked on another device, at start or while
   * running), so the app can end and the sign-in form come back instead of a crash.
   */
  readonly signedOut?: (error: ChatError) => void;
  /** This device's approval prompts (new sign-ins to approve; this device's own approval or recovery key). */
  readonly devices?: Pick<DevicePrompts, 'start' | 'stop' | 'subscribe' | 'getSnapshot' | 'approve' | 'request' | 'confirm' | 'dismiss' | 'close' | 'restore'> & Partial<Pick<DevicePrompts, 'onHistoryRestored'>>;
}

/** The client model's snapshot, and its actions, for the screen. */
export interface Chat extends ChatSnapshot {
  /** Loads the page of history before what is shown; resolves false when there is no more. */
  readonly loadOlder: (roomId: string) => Promise<boolean>;
  /** Loads older history until `seq` (and a few events before it) is in the room's state. */
  readonly loadUntil: (roomId: string, seq: number) => Promise<void>;
  readonly refreshRooms: () => Promise<Room[]>;
  /**
   * Queues a message (shown as pending at once, sent when connected) and resolves once the server
   * acknowledged it; a message the server refused stays in the pending list, marked failed, and the
   * promise rejects with the reason.
   */
  readonly send: (room: Room, text: string) => Promise<void>;
  readonly typing: (room: Room, active: boolean) => void;
  readonly markRoomRead: (roomId: string) => void;
  /** Queues again the room's messages the server refused (kept from an earlier run, say); answers how many. */
  readonly retryFailed: (roomId: string) => Promise<number>;
  /** Drops the room's messages the server refused; answers how many. */
  readonly discardFailed: (roomId: string) => Promise<number>;
  /**
   * Queues an edit of this user's message (see ChatModel.edit), resolving once queued: it shows as
   * pending until the edit comes back live, and a refusal stays pending, marked failed (/retry, /discard).
   */
  readonly edit: (room: Room, target: RoomEvent, text: string) => Promise<unknown>;
  /** Queues a reply quoting `target` (see ChatModel.reply; pending and failures as for `edit`). */
  readonly reply: (room: Room, target: RoomEvent, text: string) => Promise<unknown>;
  /** Toggles this user's reaction on `target` through the outbox; resolves whether it is now given (see ChatModel.react). */
  readonly react: (room: Room, target: RoomEvent, key: string) => Promise<boolean>;
  /** Queues the deletion of the message at `seq` (see ChatModel.deleteMessage; pending and failures as for `edit`). */
  readonly deleteMessage: (room: Room, seq: number) => Promise<unknown>;
  /** Live messages that mention this user (as read here, private rooms too) or came in a DM; answers the unsubscribe function. */
  readonly onNotice: (listener: (notice: MessageNotice) => void) => () => void;
  /** Opens again the private messages that did not open (keys came from the key backup). */
  readonly reopen: () => void;
  /** This user removed from a room by its owner (see ChatModel.onRemoved); answers the unsubscribe function. */
  readonly onRemoved: (listener: (removal: RoomRemoval) => void) => () => void;
}

/** The TUI's view of the shared client model (shared/client/chat-model.ts): it keeps only rendering and input. */
export function useChat(deps: ChatDeps): Chat {
  const { api, live, e2e, session, readPositions, saveReadPosition, now, outbox, signedOut } = deps;
  const model = useMemo(
    () =>
      new ChatModel({
        api,
        live,
        e2e,
        user: session.user,
        outbox: outbox ?? new MemoryOutboxStore(),
        readPositions,
        saveReadPosition,
        clock: { now, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
        // Let input and rendering run between two decryptions.
        yieldToUi: () => new Promise((r) => setImmediate(r)),
      }),
    [api, live, e2e, session.user, outbox, readPositions, saveReadPosition, now],
  );
  useEffect(() => {
    let ended = false;
    const end = (error: unknown) => {
      if (ended || !sessionEnded(error)) return;
      ended = true;
      signedOut?.(error);
    };
    const off = live.on('state', (state) => {
      if (state.status === 'closed') end(state.reason);
    });
    // A room list that cannot be fetched now is fetched when the socket connects; a session that
    // ended is told to the app.
    model.start().catch(end);
    return () => {
      off();
      model.stop();
    };
  }, [model, live, signedOut]);
  const snapshot = useSyncExternalStore(model.subscribe, model.getSnapshot);
  return useMemo(
    () => ({
      ...snapshot,
      loadOlder: (roomId: string) => model.loadOlder(roomId),
      loadUntil: (roomId: string, seq: number) => model.loadUntil(roomId, seq),
      refreshRooms: () => model.refreshRooms(),
      // A refused message stays in the outbox, marked failed with the reason (the timeline says
      // "/retry or /discard"): it may have been typed minutes ago, while the server was away.
      send: async (room: Room, text: string) => {
        const item = await model.send(room, text);
        await model.whenSent(item.clientMsgId);
      },
      typing: (room: Room, active: boolean) => model.typing(room.id, active),
      markRoomRead: (roomId: string) => model.markRead(roomId),
      retryFailed: (roomId: string) => eachFailed(snapshot, roomId, (id) => model.retry(id)),
      discardFailed: (roomId: string) => eachFailed(snapshot, roomId, (id) => model.discard(id)),
      onNotice: (listener: (notice: MessageNotice) => void) => model.onNotice(listener),
      onRemoved: (listener: (removal: RoomRemoval) => void) => model.onRemoved(listener),
      reopen: () => model.reopen(),
      edit: (room: Room, target: RoomEvent, text: string) => model.edit(room, target, text),
      reply: (room: Room, target: RoomEvent, text: string) => model.reply(room, target, text),
      react: (room: Room, target: RoomEvent, key: string) => model.react(room, target, key),
      deleteMessage: (room: Room, seq: number) => model.deleteMessage(room, seq),
    }),
    [snapshot, model],
  );
}

async function eachFailed(snapshot: ChatSnapshot, roomId: string, act: (clientMsgId: string) => Promise<void>): Promise<number> {
  const failed = snapshot.pending.filter((p) => p.roomId === roomId && p.status === 'failed');
  for (const p of failed) await act(p.clientMsgId);
  return failed.length;
}
