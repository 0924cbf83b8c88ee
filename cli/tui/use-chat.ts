import { useCallback, useEffect, useRef, useState } from 'react';
import { KEY_RECHECK_MS, TypingThrottle } from '../../shared/client/index.js';
import type { ApiClient, ConnectionState, E2ESession, LiveClient, Opened, StoredSession } from '../../shared/client/index.js';
import { ChatError, isDirectMessage } from '../../shared/protocol/index.js';
import type { Room, RoomEvent, SearchHit, Summary, SummaryType } from '../../shared/protocol/index.js';
import type { RoomState } from './state/room-state.js';
import { addEvents, emptyRoom, markRead, setTyping } from './state/room-state.js';

/** What the screen needs from the client library, passed in so tests can fake it. */
export interface ChatDeps {
  readonly api: ApiClient;
  readonly live: LiveClient;
  readonly e2e: E2ESession;
  readonly session: StoredSession;
  readonly readPositions: Readonly<Record<string, number>>;
  readonly saveReadPosition: (roomId: string, seq: number) => void;
  readonly now: () => number;
  /** Searches every room: open ones on the server, private ones in the local index. */
  readonly search: (query: string) => Promise<{ hits: SearchHit[]; waiting: number }>;
  /**
   * Summarizes a room (open: by the server; private: here). `agree` consents to sending a private
   * room to a remote provider; `onText` receives a streamed answer.
   */
  readonly summarize: (room: Room, type: SummaryType, agree: boolean, onText: (delta: string) => void) => Promise<Summary>;
  /**
   * The server no longer knows this session (`session_revoked`: signed out or its device revoked; or
   * `unauthorized`): called once with the error, for the caller to end the app and ask to sign in.
   */
  readonly signedOut?: (reason: ChatError) => void;
}

/** Whether an error means the session is over and only signing in again helps. */
export const sessionEnded = (error: unknown): error is ChatError =>
  error instanceof ChatError && (error.code === 'session_revoked' || error.code === 'unauthorized');

/** The other person of a direct-message room, and whether they are online. */
export interface DmPeer {
  readonly userId: string;
  readonly username: string;
  readonly online: boolean;
}

export interface Chat {
  readonly rooms: readonly Room[];
  readonly peers: ReadonlyMap<string, DmPeer>;
  /** Loads the page of history before what is shown; resolves false when there is no more. */
  readonly loadOlder: (roomId: string) => Promise<boolean>;
  /** Loads older history until `seq` (and a few events before it) is in the room's state. */
  readonly loadUntil: (roomId: string, seq: number) => Promise<void>;
  readonly states: ReadonlyMap<string, RoomState>;
  readonly opened: ReadonlyMap<string, Opened>;
  readonly connection: ConnectionState;
  readonly refreshRooms: () => Promise<Room[]>;
  readonly send: (room: Room, text: string) => Promise<void>;
  readonly typing: (room: Room, active: boolean) => void;
  readonly markRoomRead: (roomId: string) => void;
}

const HISTORY = 100;

/**
 * The TUI's link to the server: rooms, each room's events (history, then live), decryption of private
 * messages off the render path, typing, and read positions.
 */
export function useChat(deps: ChatDeps): Chat {
  const { api, live, e2e, session } = deps;
  const [rooms, setRooms] = useState<Room[]>([]);
  const [states, setStates] = useState<Map<string, RoomState>>(new Map());
  const [opened, setOpened] = useState<Map<string, Opened>>(new Map());
  const [connection, setConnection] = useState<ConnectionState>(live.state);
  const [peers, setPeers] = useState<Map<string, DmPeer>>(new Map());
  const exhausted = useRef(new Set<string>());
  const loadingOlder = useRef(new Set<string>());
  const roomsRef = useRef<Room[]>([]);
  const throttle = useRef(new TypingThrottle((roomId, state) => live.typing(roomId, state), deps.now));
  const waiting = useRef(new Map<string, RoomEvent>());

  // The latest room states, readable synchronously (React applies state updates later).
  const statesRef = useRef(new Map<string, RoomState>());
  const apply = useCallback((roomId: string, f: (s: RoomState) => RoomState) => {
    const prev = statesRef.current;
    const next = new Map(prev).set(roomId, f(prev.get(roomId) ?? emptyRoom(roomId, deps.readPositions[roomId] ?? 0)));
    statesRef.current = next;
    setStates(next);
  }, [deps.readPositions]);

  /** Decrypts private messages one at a time, so a long history never blocks typing. */
  const decryptQueue = useRef(Promise.resolve());
  const decrypt = useCallback((events: readonly RoomEvent[]) => {
    for (const event of events) {
      if (!event.envelope) continue;
      decryptQueue.current = decryptQueue.current.then(async () => {
        const result = await e2e.open(event).catch((error: unknown) => ({ status: 'unreadable', reason: (error as Error).message }) as Opened);
        if (result.status === 'waiting') waiting.current.set(event.id, event);
        else waiting.current.delete(event.id);
        setOpened((prev) => new Map(prev).set(event.id, result));
        await new Promise((r) => setImmediate(r)); // let input and rendering in between
      });
    }
  }, [e2e]);

  const loadRoom = useCallback(async (room: Room) => {
    const page = await api.history(room.id, { limit: HISTORY });
    apply(room.id, (s) => addEvents(s, page.events));
    decrypt(page.events);
    live.watch(room.id, page.events.at(-1)?.seq ?? page.headSeq);
  }, [api, apply, decrypt, live]);

  const refreshRooms = useCallback(async () => {
    const list = await api.rooms();
    const known = new Set(roomsRef.current.map((r) => r.id));
    roomsRef.current = list;
    setRooms(list);
    for (const room of list) {
      if (known.has(room.id)) continue;
      await loadRoom(room);
      if (isDirectMessage(room)) {
        const other = (await api.members(room.id)).find((m) => m.user.id !== session.user.id);
        if (other) setPeers((prev) => new Map(prev).set(room.id, { userId: other.user.id, username: other.user.username, online: other.online }));
      }
    }
    return list;
  }, [api, loadRoom, session.user.id]);

  const loadOlder = useCallback(async (roomId: string) => {
    if (exhausted.current.has(roomId) || loadingOlder.current.has(roomId)) return false;
    loadingOlder.current.add(roomId);
    try {
      const first = statesRef.current.get(roomId)?.events[0]?.seq;
      if (first === undefined || first <= 1) {
        exhausted.current.add(roomId);
        return false;
      }
      const page = await api.history(roomId, { before: first, limit: HISTORY });
      if (!page.hasMore) exhausted.current.add(roomId);
      apply(roomId, (s) => addEvents(s, page.events));
      decrypt(page.events);
      return page.events.length > 0;
    } finally {
      loadingOlder.current.delete(roomId);
    }
  }, [api, apply, decrypt]);

  const loadUntil = useCallback(async (roomId: string, seq: number) => {
    // At most 50 pages (5,000 events) back, so a jump never runs away.
    for (let page = 0; page < 50; page++) {
      const first = statesRef.current.get(roomId)?.events[0]?.seq;
      if (first !== undefined && first <= Math.max(1, seq - 5)) return;
      if (!(await loadOlder(roomId))) return;
    }
  }, [loadOlder]);

  useEffect(() => {
    let ended = false;
    const end = (error: unknown) => {
      if (!sessionEnded(error)) throw error;
      if (ended) return;
      ended = true;
      deps.signedOut?.(error);
    };
    const offs = [
      live.on('state', (state) => {
        setConnection(state);
        if (state.status === 'closed' && sessionEnded(state.reason)) end(state.reason);
      }),
      live.on('event', (event) => {
        apply(event.roomId, (s) => addEvents(s, [event]));
        decrypt([event]);
        if (event.kind !== 'message' && !roomsRef.current.some((r) => r.id === event.roomId)) void refreshRooms().catch(end);
      }),
      live.on('typing', (frame) => {
        if (frame.user.id === session.user.id) return;
        apply(frame.roomId, (s) => setTyping(s, frame.user, frame.state, deps.now() + frame.ttlMs));
      }),
      live.on('presence', (frame) => {
        setPeers((prev) => {
          let changed = false;
          const next = new Map(prev);
          for (const [roomId, peer] of prev) {
            if (peer.userId !== frame.user.id) continue;
            next.set(roomId, { ...peer, online: frame.status === 'online' });
            changed = true;
          }
          return changed ? next : prev;
        });
      }),
      live.on('removed', ({ roomId }) => {
        roomsRef.current = roomsRef.current.filter((r) => r.id !== roomId);
        setRooms(roomsRef.current);
      }),
      live.on('rooms', () => void refreshRooms().catch(end)),
      live.on('shares', () => {
        // New keys may open messages that were waiting for them.
        void e2e.sync().then(() => decrypt([...waiting.current.values()]));
      }),
    ];
    live.start();
    void refreshRooms().catch(end);
    return () => {
      for (const off of offs) off();
      live.stop();
    };
  }, [live, e2e, apply, decrypt, refreshRooms, session.user.id, deps]);

  // A key that never comes: open the waiting messages again now and then, so that they come to say the
  // sender did not share it.
  useEffect(() => {
    const timer = setInterval(() => {
      if (waiting.current.size > 0) decrypt([...waiting.current.values()]);
    }, KEY_RECHECK_MS);
    return () => clearInterval(timer);
  }, [decrypt]);

  const send = useCallback(async (room: Room, text: string) => {
    const clientMsgId = crypto.randomUUID();
    if (room.visibility === 'private') await api.sendEnvelope(room.id, await e2e.encrypt(room.id, text, clientMsgId));
    else await live.send(room.id, text, clientMsgId);
    throttle.current.sent(room.id);
  }, [api, e2e, live]);

  const typing = useCallback((room: Room, active: boolean) => throttle.current.update(room.id, active), []);

  const markRoomRead = useCallback((roomId: string) => {
    const s = statesRef.current.get(roomId);
    const last = s?.events.at(-1)?.seq;
    if (!s || last === undefined || last <= s.readSeq) return;
    deps.saveReadPosition(roomId, last);
    apply(roomId, (r) => markRead(r, last));
  }, [deps, apply]);

  return { rooms, peers, loadOlder, loadUntil, states, opened, connection, refreshRooms, send, typing, markRoomRead };
}

