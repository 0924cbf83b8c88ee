import { useCallback, useEffect, useRef, useState } from 'react';
import { KEY_RECHECK_MS, TypingThrottle } from '../../shared/client/index.js';
import type { ConnectionState, E2ESession, Opened, StoredSession } from '../../shared/client/index.js';
import { isDirectMessage } from '../../shared/protocol/index.js';
import type { Room, RoomEvent } from '../../shared/protocol/index.js';
import type { WebClient } from './client.js';

const HISTORY = 50;

export interface RoomView {
  readonly events: readonly RoomEvent[];
  /** Whether older history remains on the server. */
  readonly more: boolean;
  /** Who is typing, with when it expires. */
  readonly typing: Readonly<Record<string, { username: string; until: number }>>;
}

const EMPTY: RoomView = { events: [], more: true, typing: {} };

function merge(view: RoomView, incoming: readonly RoomEvent[]): RoomView {
  const bySeq = new Map(view.events.map((e) => [e.seq, e]));
  for (const e of incoming) bySeq.set(e.seq, e);
  const typing = { ...view.typing };
  for (const e of incoming) if (e.kind === 'message') delete typing[e.sender.id];
  return { ...view, events: [...bySeq.values()].sort((a, b) => a.seq - b.seq), typing };
}

/**
 * The browser's state of the chat: rooms, each room's events (history, then live), read positions
 * (kept in localStorage per user), typing, and the connection.
 */
export function useRooms(client: WebClient, session: StoredSession, e2e: E2ESession) {
  const { api, live } = client;
  const [rooms, setRooms] = useState<Room[]>([]);
  /** Whether the room list has been fetched once (before that, an empty list means "loading"). */
  const [loaded, setLoaded] = useState(false);
  const [views, setViews] = useState<Map<string, RoomView>>(new Map());
  const [connection, setConnection] = useState<ConnectionState>(live.state);
  const readKey = `chat.read.${session.user.id}`;
  const [read, setRead] = useState<Record<string, number>>(() => JSON.parse(window.localStorage.getItem(readKey) ?? '{}') as Record<string, number>);
  const known = useRef(new Set<string>());
  /** The other person of each direct-message room, by room id. */
  const [peers, setPeers] = useState<Map<string, string>>(new Map());
  const [opened, setOpened] = useState<Map<string, Opened>>(new Map());
  const waiting = useRef(new Map<string, RoomEvent>());
  /** Private messages are opened one at a time, in order, off the render path. */
  const decryptQueue = useRef(Promise.resolve());
  const decrypt = useCallback(
    (events: readonly RoomEvent[]) => {
      for (const event of events) {
        if (!event.envelope) continue;
        decryptQueue.current = decryptQueue.current.then(async () => {
          const result = await e2e.open(event).catch((error: unknown): Opened => ({ status: 'unreadable', reason: (error as Error).message }));
          if (result.status === 'waiting') waiting.current.set(event.id, event);
          else waiting.current.delete(event.id);
          setOpened((prev) => new Map(prev).set(event.id, result));
        });
      }
    },
    [e2e],
  );
  const throttle = useRef(new TypingThrottle((roomId, state) => live.typing(roomId, state)));

  const update = useCallback((roomId: string, f: (v: RoomView) => RoomView) => {
    setViews((prev) => new Map(prev).set(roomId, f(prev.get(roomId) ?? EMPTY)));
  }, []);

  const refresh = useCallback(async () => {
    const list = await api.rooms();
    setRooms(list);
    setLoaded(true);
    for (const room of list) {
      if (known.current.has(room.id)) continue;
      known.current.add(room.id);
      const page = await api.history(room.id, { limit: HISTORY });
      update(room.id, (v) => ({ ...merge(v, page.events), more: page.hasMore }));
      decrypt(page.events);
      if (isDirectMessage(room)) {
        const other = (await api.members(room.id)).find((m) => m.user.id !== session.user.id);
        if (other) setPeers((prev) => new Map(prev).set(room.id, other.user.username));
      }
      live.watch(room.id, page.events.at(-1)?.seq ?? page.headSeq);
    }
    return list;
  }, [api, live, update, decrypt, session.user.id]);

  useEffect(() => {
    const offs = [
      live.on('state', setConnection),
      live.on('event', (event) => {
        update(event.roomId, (v) => merge(v, [event]));
        decrypt([event]);
        if (!known.current.has(event.roomId)) void refresh();
      }),
      live.on('typing', (frame) => {
        if (frame.user.id === session.user.id) return;
        update(frame.roomId, (v) => {
          const typing = { ...v.typing };
          if (frame.state === 'start') typing[frame.user.id] = { username: frame.user.username, until: Date.now() + frame.ttlMs };
          else delete typing[frame.user.id];
          return { ...v, typing };
        });
      }),
      live.on('rooms', () => void refresh()),
      live.on('shares', () => {
        // New keys may open messages that were waiting for them.
        void e2e.sync().then(() => decrypt([...waiting.current.values()]));
      }),
      live.on('removed', ({ roomId }) => {
        known.current.delete(roomId);
        setRooms((list) => list.filter((r) => r.id !== roomId));
      }),
    ];
    live.start();
    void refresh();
    return () => {
      for (const off of offs) off();
      live.stop();
    };
  }, [live, refresh, update, decrypt, e2e, session.user.id]);

  // A key that never comes: open the waiting messages again now and then, so that they come to say the
  // sender did not share it.
  useEffect(() => {
    const timer = setInterval(() => {
      if (waiting.current.size > 0) decrypt([...waiting.current.values()]);
    }, KEY_RECHECK_MS);
    return () => clearInterval(timer);
  }, [decrypt]);

  /** Rooms whose older page is being fetched: scroll events at the top come in bursts. */
  const loadingOlder = useRef(new Set<string>());
  const loadOlder = useCallback(
    async (roomId: string) => {
      const first = views.get(roomId)?.events[0]?.seq;
      if (first === undefined || first <= 1 || loadingOlder.current.has(roomId)) return;
      loadingOlder.current.add(roomId);
      try {
        const page = await api.history(roomId, { before: first, limit: HISTORY });
        update(roomId, (v) => ({ ...merge(v, page.events), more: page.hasMore }));
        decrypt(page.events);
      } finally {
        loadingOlder.current.delete(roomId);
      }
    },
    [api, update, views, decrypt],
  );

  const markRead = useCallback(
    (roomId: string) => {
      const last = views.get(roomId)?.events.at(-1)?.seq;
      if (last === undefined || (read[roomId] ?? 0) >= last) return;
      const next = { ...read, [roomId]: last };
      setRead(next);
      window.localStorage.setItem(readKey, JSON.stringify(next));
    },
    [views, read, readKey],
  );

  const unread = (roomId: string) => (views.get(roomId)?.events ?? []).filter((e) => e.kind === 'message' && e.sender.id !== session.user.id && e.seq > (read[roomId] ?? 0)).length;

  const send = useCallback(
    async (room: Room, text: string) => {
      throttle.current.sent(room.id);
      const clientMsgId = crypto.randomUUID();
      if (room.visibility === 'private') await api.sendEnvelope(room.id, await e2e.encrypt(room.id, text, clientMsgId));
      else await live.send(room.id, text, clientMsgId);
    },
    [api, live, e2e],
  );

  const typing = useCallback((room: Room, active: boolean) => throttle.current.update(room.id, active), []);

  /** How a room is named on screen: `@peer` for direct messages, `#name` or `🔒 name` otherwise. */
  const title = (room: Room) => (isDirectMessage(room) ? `@${peers.get(room.id) ?? '…'}` : `${room.visibility === 'private' ? '🔒 ' : '#'}${room.name}`);

  return { rooms, loaded, views, opened, title, connection, refresh, loadOlder, markRead, unread, send, typing };
}
