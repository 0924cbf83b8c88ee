import { ChatError, isDirectMessage, isReactionKey, roomTitle } from '../protocol/index.js';
import type { AckFrame, HistoryPage, Room, RoomEvent, RoomVisibility } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import type { BackoffPolicy } from './backoff.js';
import type { E2ESession, Opened } from './e2e-session.js';
import { KEY_RECHECK_MS } from './e2e-session.js';
import type { Clock, ConnectionState, LiveClient } from './live-client.js';
import { Outbox } from './outbox.js';
import type { PendingMessage } from './outbox.js';
import type { OutboxRelation, OutboxStore } from './outbox-store.js';
import type { RoomState } from './room-state.js';
import { addEvents, emptyRoom, markRead, mentions, setTyping, unreadCount, unreadMentions } from './room-state.js';
import { applyRelations, isOwnMessage } from './relations.js';
import { TypingThrottle } from './typing-throttle.js';

/** The other person of a direct-message room, and whether they are online. */
export interface DmPeer {
  readonly userId: string;
  readonly username: string;
  readonly online: boolean;
}

/** A room's unread messages from others, whether one of them mentions this user, and how many do. */
export interface Unread {
  readonly count: number;
  readonly mention: boolean;
  /** Unread messages from others that mention this user (counted apart from `count`, which includes them). */
  readonly mentions: number;
}

/**
 * Everything a client shows, as one immutable value: a new object whenever anything changed, the same
 * object otherwise (what React's useSyncExternalStore needs).
 */
export interface ChatSnapshot {
  readonly connection: ConnectionState;
  /** Whether the room list has been fetched once (before that, no rooms means "loading"). */
  readonly loaded: boolean;
  readonly rooms: readonly Room[];
  /** By room id: the events loaded (history, then live), the read position, who is typing. */
  readonly timelines: ReadonlyMap<string, RoomState>;
  /** What each private message (by event id) opened to. */
  readonly opened: ReadonlyMap<string, Opened>;
  /** By direct-message room id. */
  readonly peers: ReadonlyMap<string, DmPeer>;
  /** Messages typed and not yet in their room's timeline, in the order typed. */
  readonly pending: readonly PendingMessage[];
  /**
   * Messages that loaded replies answer but that are not loaded themselves, fetched on their own (by
   * event id; private ones opened into `opened`), so a quote shows the real text (see applyRelations).
   */
  readonly quoted: ReadonlyMap<string, RoomEvent>;
  readonly unread: ReadonlyMap<string, Unread>;
}

/** The user, their rooms' history and the live socket, passed in so tests use an in-memory socket and fakes. */
export interface ChatModelOptions {
  /**
   * With `setReadMarker`, reading moves the server's read marker, which the user's other devices follow;
   * `deleteMessage` is what a queued delete (and a reaction's toggle-off) sends.
   */
  readonly api: Pick<ApiClient, 'rooms' | 'history' | 'members'> & Partial<Pick<ApiClient, 'setReadMarker' | 'deleteMessage'>>;
  readonly live: LiveClient;
  /** This device's encryption; without it, private messages open as `unreadable` and cannot be sent. */
  readonly e2e?: Pick<E2ESession, 'encrypt' | 'refused' | 'open' | 'sync'>;
  /** The rooms to follow (default: every room of the user's, `api.rooms`); a command reading one room lists just it. */
  readonly listRooms?: () => Promise<Room[]>;
  readonly user: { readonly id: string; readonly username: string };
  readonly outbox: OutboxStore;
  /** Where this user stopped reading, by room id (kept by the caller across restarts). */
  readonly readPositions: Readonly<Record<string, number>>;
  readonly saveReadPosition: (roomId: string, seq: number) => void;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** How the outbox retries a private message whose encryption could not reach the server. */
  readonly backoff?: BackoffPolicy;
  /** Events per history page (default 100). */
  readonly pageSize?: number;
  /**
   * Whether each room's first page is its newest `pageSize` messages (see `isOwnMessage`) with the
   * relations and membership events among them, as `readPage` reads (`chat read --follow --limit N`),
   * rather than its newest `pageSize` events (default false).
   */
  readonly firstPageCountsMessages?: boolean;
  /** Waits between opening two private messages, so input and rendering go on (default: a macrotask). */
  readonly yieldToUi?: () => Promise<void>;
  /**
   * While many private messages open (a history page), how often what opened is published to
   * subscribers, in ms (default 100): each publish costs a render. The last one is published at once.
   */
  readonly publishEveryMs?: number;
  /** Runs `fn` every `ms` until the returned function is called (default: setInterval). */
  readonly every?: (fn: () => void, ms: number) => () => void;
}

/**
 * A live message from someone else that deserves a notice on this device: it mentions this user (in its
 * text as read here, so private rooms too, and never inside code) or came in a direct-message room.
 */
export interface MessageNotice {
  readonly roomId: string;
  readonly event: RoomEvent;
  readonly mention: boolean;
  readonly dm: boolean;
}

/** This user was removed from a room by another member (its owner): the room has left the model. */
export interface RoomRemoval {
  readonly roomId: string;
  readonly roomName: string;
  /** The room's visibility as last listed, so that each surface can name it with its own mark. */
  readonly visibility: RoomVisibility;
  /** The username of who removed them. */
  readonly by: string;
}

/**
 * A removal as every client says it: `you were removed from ROOM by NAME`, ROOM being `title` (the room
 * as the surface names it elsewhere: the TUI's `⚿ plans`, the web's `🔒 plans`), by default roomTitle's
 * `#plans`, or `a direct message` for one an older server let its opener remove the other from (its
 * `dm-…` name is never shown). Not neutralized: the caller escapes it for its surface.
 */
export function removalText(removal: Pick<RoomRemoval, 'roomName' | 'visibility' | 'by'>, title?: string): string {
  return `you were removed from ${title ?? roomTitle({ visibility: removal.visibility, name: removal.roomName }, null)} by ${removal.by}`;
}

/** How often, in ms, a long run of opened private messages is published (see `ChatModelOptions.publishEveryMs`). */
const PUBLISH_EVERY_MS = 100;

/** The most events one history request may ask for (`HistoryQuery.limit`'s maximum). */
const MAX_HISTORY_PAGE = 500;
/**
 * How many pages (of MAX_HISTORY_PAGE events) after a page read back are searched for the relations of
 * its messages (`readPage` with `before`): 40, 20,000 events; a relation later than that is not seen.
 */
const LATER_RELATION_PAGES = 40;
/** How many pages after a quoted message fetched on its own are searched for its edits and delete. */
const QUOTE_SCAN_PAGES = 4;

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * The one client model, shared by the TUI, the web and the CLI commands, free of any UI framework: the
 * signed-in user's rooms (kept in step with their other devices through the `rooms` frame), each room's
 * timeline, unread and mention state, typing, DM peers' presence, private messages opened off the render
 * path, and sending through one outbox over the socket for every room kind. Subscribe with `subscribe`
 * and read `getSnapshot`.
 */
export class ChatModel {
  private readonly clock: Clock;
  private readonly outbox: Outbox;
  private readonly throttle: TypingThrottle;
  private readonly listeners = new Set<() => void>();
  private readonly noticeListeners = new Set<(notice: MessageNotice) => void>();
  private readonly removalListeners = new Set<(removal: RoomRemoval) => void>();
  /** Rooms whose `remove` event named this user, by room id: told as a removal when the room leaves the model. */
  private readonly removedBy = new Map<string, string>();
  /** Private messages that came live (not from history) and are still being opened: a notice may follow. */
  private readonly liveSealed = new Set<string>();
  private readonly offs: (() => void)[] = [];
  private rooms: Room[] = [];
  private loaded = false;
  private timelines = new Map<string, RoomState>();
  private opened = new Map<string, Opened>();
  private quoted = new Map<string, RoomEvent>();
  /** Reply targets asked for (fetched, being fetched, or not found), by event id: each is asked for once. */
  private readonly quoting = new Set<string>();
  private peers = new Map<string, DmPeer>();
  /** Rooms followed on the socket: a room list that no longer has one unwatches it. */
  private readonly watched = new Set<string>();
  /** Acknowledged sends whose event has not reached the timeline yet: still shown as pending. */
  private readonly acked = new Map<string, { readonly item: PendingMessage; readonly seq: number }>();
  private readonly waiting = new Map<string, RoomEvent>();
  private readonly loadingOlder = new Set<string>();
  /** Resolves once every queued private message is open (see `decrypt`). */
  private decryptQueue = Promise.resolve();
  /** Private messages waiting to be opened, in order, and whether they are being opened now. */
  private readonly toOpen: RoomEvent[] = [];
  private opening = false;
  private refreshQueue: Promise<unknown> = Promise.resolve();
  private stopRecheck: (() => void) | null = null;
  private snapshot: ChatSnapshot | null = null;
  private running = false;

  constructor(private readonly options: ChatModelOptions) {
    this.clock = options.clock ?? systemClock;
    const { live, e2e } = options;
    this.outbox = new Outbox({
      store: options.outbox,
      clock: this.clock,
      ...(options.random ? { random: options.random } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      transport: {
        // A plain message's send has no relation argument at all.
        sendBody: (roomId, body, clientMsgId, relatesTo) => (relatesTo ? live.send(roomId, body, clientMsgId, relatesTo) : live.send(roomId, body, clientMsgId)),
        sendEnvelope: (roomId, envelope, relatesTo) => (relatesTo ? live.sendEnvelope(roomId, envelope, relatesTo) : live.sendEnvelope(roomId, envelope)),
        deleteMessage: (roomId, seq) => (options.api.deleteMessage ? options.api.deleteMessage(roomId, seq) : Promise.reject(new ChatError('internal', 'this client cannot delete messages'))),
        encrypt: (roomId, body, clientMsgId) => (e2e ? e2e.encrypt(roomId, body, clientMsgId) : Promise.reject(new ChatError('internal', 'this client cannot encrypt'))),
        refused: (envelope, code) => (e2e ? e2e.refused(envelope, code) : Promise.resolve()),
      },
    });
    this.throttle = new TypingThrottle((roomId, state) => live.typing(roomId, state), () => this.clock.now());
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Calls `listener` for each live message that mentions this user or came in a direct message; returns the unsubscribe function. */
  onNotice(listener: (notice: MessageNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /**
   * Calls `listener` when another member (the room's owner) removed this user from a room and the room
   * left the model (its `remove` event came live, then the room went from the list or the socket); a
   * room left on another device is not one. Returns the unsubscribe function.
   */
  onRemoved(listener: (removal: RoomRemoval) => void): () => void {
    this.removalListeners.add(listener);
    return () => this.removalListeners.delete(listener);
  }

  /**
   * Who removed this user from the room, when its `remove` event came here live (and the user has not
   * joined or left it since); undefined otherwise. The room's name is the one last listed.
   */
  removalOf(roomId: string): RoomRemoval | undefined {
    const by = this.removedBy.get(roomId);
    const room = this.rooms.find((r) => r.id === roomId);
    return by !== undefined && room !== undefined ? { roomId, roomName: room.name, visibility: room.visibility, by } : undefined;
  }

  /** The current state; the same object until something changes. */
  getSnapshot = (): ChatSnapshot => {
    this.snapshot ??= this.build();
    return this.snapshot;
  };

  /**
   * Takes in the messages kept from the last run, connects, and loads the room list (again at every
   * reconnect); kept and new messages go out once connected. Rejects if the room list cannot be
   * fetched now (it is fetched once the socket connects), or the kept messages cannot be read (the
   * client runs without them).
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { live } = this.options;
    this.offs.push(
      this.outbox.on('change', () => this.changed()),
      this.outbox.on('sent', ({ item, ack }) => this.onSent(item, ack)),
      live.on('state', (state) => {
        this.outbox.setOnline(state.status === 'connected');
        // The room list may have changed while the socket was down (a missed 'rooms' frame), or never loaded.
        if (state.status === 'connected') {
          void this.refreshRooms().catch(() => undefined);
          // Keys shared while the socket was down came with no 'shares' frame.
          if (this.waiting.size > 0) this.syncKeys();
        }
        this.changed();
      }),
      live.on('event', (event) => this.onEvent(event)),
      live.on('typing', (frame) => {
        if (frame.user.id === this.options.user.id) return;
        this.apply(frame.roomId, (s) => setTyping(s, frame.user, frame.state, this.clock.now() + frame.ttlMs));
      }),
      live.on('presence', (frame) => this.onPresence(frame.user.id, frame.status === 'online')),
      live.on('removed', ({ roomId }) => this.forget(roomId)),
      live.on('rooms', () => void this.refreshRooms().catch(() => undefined)),
      live.on('read', ({ roomId, seq }) => this.apply(roomId, (r) => markRead(r, seq))),
      live.on('shares', () => this.syncKeys()),
    );
    const every = this.options.every ?? ((fn, ms) => {
      const timer = setInterval(fn, ms);
      return () => clearInterval(timer);
    });
    // A key that never comes: open the waiting messages again now and then, so they come to say this device was never given the key.
    this.stopRecheck = every(() => {
      if (this.waiting.size > 0) this.decrypt([...this.waiting.values()]);
    }, KEY_RECHECK_MS);
    // Kept messages that cannot be read do not keep the client offline: it connects anyway, then says so.
    const kept = await this.outbox.load().then(
      () => null,
      (error: unknown) => error,
    );
    live.start();
    this.outbox.setOnline(live.state.status === 'connected');
    await this.refreshRooms();
    if (kept !== null) throw kept;
  }

  /** Disconnects. Messages not yet acknowledged stay in the outbox store for the next start. */
  stop(): void {
    this.running = false;
    for (const off of this.offs.splice(0)) off();
    this.stopRecheck?.();
    this.stopRecheck = null;
    this.outbox.stop();
    this.options.live.stop();
  }

  /** Fetches the room list again: new rooms are loaded and followed, rooms left are dropped. */
  refreshRooms(): Promise<Room[]> {
    const run = this.refreshQueue.then(() => this.loadRooms());
    this.refreshQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Queues a message for the room (kept in the outbox store before this resolves) and answers it as
   * pending; it is sent, encrypted for a private room, once connected. Throws `invalid_request` for a
   * blank text.
   */
  async send(room: Room, text: string): Promise<PendingMessage> {
    const item = await this.outbox.add({ id: room.id, private: room.visibility === 'private' }, text);
    this.throttle.sent(room.id);
    return item;
  }

  /** Resolves with the ack of a pending message; rejects with the error that made it fail. */
  whenSent(clientMsgId: string): Promise<AckFrame> {
    return this.outbox.whenSent(clientMsgId);
  }

  /** Queues a failed message again. */
  retry(clientMsgId: string): Promise<void> {
    return this.outbox.retry(clientMsgId);
  }

  /** Drops a queued or failed message. */
  discard(clientMsgId: string): Promise<void> {
    return this.outbox.discard(clientMsgId);
  }

  /** Whether messages typed here still wait for the server (a client warns before quitting then). */
  hasUnsent(): boolean {
    return this.outbox.pending.length > 0;
  }

  /** Tells the room whether this user is typing (throttled). */
  typing(roomId: string, active: boolean): void {
    this.throttle.update(roomId, active);
  }

  /** Marks everything loaded in the room read, and keeps the position. */
  markRead(roomId: string): void {
    const s = this.timelines.get(roomId);
    const last = s?.events.at(-1)?.seq;
    if (!s || last === undefined || last <= s.readSeq) return;
    this.options.saveReadPosition(roomId, last);
    this.apply(roomId, (r) => markRead(r, last));
    // The server keeps the marker for every device; a failure here leaves it for the next read.
    void this.options.api.setReadMarker?.(roomId, last).catch(() => undefined);
  }

  /**
   * Queues an edit replacing the text of this user's message `target` in `room` (sent through the
   * outbox like a message: once connected, in the order typed, encrypted on this device in a private
   * room) and answers it as pending; the new text shows as pending until the edit comes back on the
   * socket. Throws ChatError invalid_request for a blank text, forbidden for someone else's message;
   * the server's refusals (conflict for a deleted target, forbidden when no longer a member) mark the
   * pending edit failed (see `whenSent`, `discard`).
   */
  async edit(room: Room, target: RoomEvent, text: string): Promise<PendingMessage> {
    if (text.trim() === '') throw new ChatError('invalid_request', 'the new text is empty (delete the message instead)');
    if (target.sender.id !== this.options.user.id) throw new ChatError('forbidden', 'only your own messages can be edited');
    return this.queueRelation(room, text, { type: 'edit', eventId: target.id, seq: target.seq });
  }

  /** Queues `text` for `room` as a reply quoting `target` (see `edit` for sending and errors). */
  async reply(room: Room, target: RoomEvent, text: string): Promise<PendingMessage> {
    if (text.trim() === '') throw new ChatError('invalid_request', 'the reply is empty');
    return this.queueRelation(room, text, { type: 'reply', eventId: target.id, seq: target.seq });
  }

  /**
   * Toggles this user's reaction `key` on `target`: takes it back when it is given (a pending reaction
   * with that key is discarded; one in the loaded timeline is deleted, through the outbox), adds it
   * otherwise (queued like an edit; a pending delete of it is discarded instead). Answers whether the
   * reaction is now given. Throws ChatError('invalid_request') for a key that is not one emoji or one
   * of the allowed signs (see isReactionKey); the server's refusals (limits, a deleted target) mark the
   * pending reaction failed.
   */
  async react(room: Room, target: RoomEvent, key: string): Promise<boolean> {
    if (!isReactionKey(key)) throw new ChatError('invalid_request', 'a reaction is one emoji (or one of + - ? ! ✓ ✗ ★ ♥)');
    const queued = this.outbox.pending.find((p) => p.roomId === room.id && p.status !== 'sending' && p.relation?.type === 'reaction' && p.relation.eventId === target.id && p.text === key);
    if (queued) {
      await this.outbox.discard(queued.clientMsgId);
      return false;
    }
    const events = this.timelines.get(room.id)?.events ?? [];
    const mine = applyRelations(events, this.options.user.id, (e) => this.textOf(e)).byId.get(target.id)?.reactions.find((r) => r.key === key)?.mineSeq ?? null;
    if (mine !== null) {
      const undoing = this.outbox.pending.find((p) => p.roomId === room.id && p.status !== 'sending' && p.relation?.type === 'delete' && p.relation.seq === mine);
      if (undoing) {
        await this.outbox.discard(undoing.clientMsgId);
        return true;
      }
      const reaction = events.find((e) => e.seq === mine) as RoomEvent;
      await this.queueRelation(room, '', { type: 'delete', eventId: reaction.id, seq: mine });
      return false;
    }
    await this.queueRelation(room, key, { type: 'reaction', eventId: target.id, seq: target.seq });
    return true;
  }

  /**
   * Queues the deletion of the message at `seq` in `room` (its text, and its edits', leave the server;
   * the room shows a tombstone), sent through the outbox after whatever was queued before it. Allowed
   * for this user's own messages and, for the room's owner, any: the server decides, and a refusal
   * (forbidden, not_found) marks the pending delete failed. Throws ChatError('not_found') when the
   * event is not loaded here.
   */
  async deleteMessage(room: Room, seq: number): Promise<PendingMessage> {
    const target = this.timelines.get(room.id)?.events.find((e) => e.seq === seq);
    if (!target) throw new ChatError('not_found', `message ${seq} is not loaded here`);
    return this.queueRelation(room, '', { type: 'delete', eventId: target.id, seq });
  }

  private queueRelation(room: Room, text: string, relation: OutboxRelation): Promise<PendingMessage> {
    return this.outbox.add({ id: room.id, private: room.visibility === 'private' }, text, relation);
  }

  /** An event's text as read here: the body in an open room, what opening gave in a private one (else null). */
  private textOf(e: RoomEvent): string | null {
    if (!e.envelope) return e.body;
    const o = this.opened.get(e.id);
    return o?.status === 'ok' ? o.body : null;
  }

  /**
   * Loads the page of history before what is loaded (`limit` events, default the page size, at most
   * the server's 500); resolves false when there is no more.
   */
  async loadOlder(roomId: string, limit: number = this.pageSize): Promise<boolean> {
    const state = this.timelines.get(roomId);
    if (!state?.hasOlder || this.loadingOlder.has(roomId)) return false;
    const first = state.events[0]?.seq;
    if (first === undefined || first <= 1) {
      this.apply(roomId, (s) => ({ ...s, hasOlder: false }));
      return false;
    }
    this.loadingOlder.add(roomId);
    try {
      const page = await this.options.api.history(roomId, { before: first, limit: Math.min(MAX_HISTORY_PAGE, limit) });
      this.apply(roomId, (s) => ({ ...addEvents(s, page.events), hasOlder: page.hasMore }));
      this.decrypt(page.events);
      void this.fetchQuoted(roomId, page.events);
      return page.events.length > 0;
    } finally {
      this.loadingOlder.delete(roomId);
    }
  }

  /**
   * One page of a room's history with its private messages opened as the timeline opens them, for a
   * one-shot read (`chat read`): the events from the `limit`-th newest message (default the page size)
   * on, or those before seq `before`. `limit` counts messages (see `isOwnMessage`), not events: edits,
   * reactions, deletes and membership events between them come along, and older pages are fetched until
   * there are `limit` messages or the room's start. `hasMore` says whether older events remain; `quoted`
   * holds the messages that replies of the page answer from outside it (see `ChatSnapshot.quoted`). Needs no
   * `start`: nothing is followed and the timeline is left as it is. Resolves once every message of the
   * page is opened (`opened`: by event id, private messages only); rejects with a history request's error.
   * A page read back (`before`) also answers `later`: the edits, reactions and deletes after it (up to
   * the head, at most LATER_RELATION_PAGES pages of the server's 500) of its events and of what `quoted`
   * holds, and the deletes of those (a reaction taken back), in seq order, so that folding `later` in
   * shows the page's messages as a read of the newest page shows them (see laterRelations).
   */
  async readPage(
    roomId: string,
    q: { readonly before?: number; readonly limit?: number } = {},
  ): Promise<{ page: HistoryPage; opened: ReadonlyMap<string, Opened>; quoted: ReadonlyMap<string, RoomEvent>; later: readonly RoomEvent[] }> {
    const page = await this.messagesPage(roomId, q.limit ?? this.pageSize, q.before);
    const { events } = page;
    this.decrypt(events);
    const quoted = await this.fetchQuoted(roomId, events);
    const later = q.before === undefined ? [] : await this.laterRelations(roomId, events, quoted, page.headSeq);
    this.decrypt(later);
    await this.decryptQueue;
    const opened = new Map<string, Opened>();
    for (const event of [...events, ...quoted.values(), ...later]) {
      const o = this.opened.get(event.id);
      if (o) opened.set(event.id, o);
    }
    return { page, opened, quoted, later };
  }

  /**
   * The edits, reactions and deletes after `events` (ascending seq; from the last one's seq up to
   * `headSeq`, at most LATER_RELATION_PAGES history requests of the server's 500) that name one of
   * `events`, one of `quoted`, or one found before them (the delete of a reaction: a reaction taken
   * back), in seq order. Rejects with a history request's error.
   */
  private async laterRelations(roomId: string, events: readonly RoomEvent[], quoted: ReadonlyMap<string, RoomEvent>, headSeq: number): Promise<RoomEvent[]> {
    const targets = new Set([...events.map((e) => e.id), ...quoted.keys()]);
    const found: RoomEvent[] = [];
    let after = events.at(-1)?.seq;
    for (let i = 0; after !== undefined && i < LATER_RELATION_PAGES && after < headSeq; i++) {
      const page = await this.options.api.history(roomId, { after, limit: MAX_HISTORY_PAGE });
      for (const e of page.events) {
        const rel = e.relation;
        if (e.kind !== 'message' || !rel || (rel.type !== 'edit' && rel.type !== 'reaction' && rel.type !== 'delete') || !targets.has(rel.eventId)) continue;
        found.push(e);
        targets.add(e.id);
      }
      const last = page.events.at(-1)?.seq;
      after = last !== undefined && last > after ? last : undefined;
    }
    return found;
  }

  /**
   * The events from the `want`-th newest message before `before` (default: the newest) on, fetching
   * older pages until there are `want` messages or the room's start; `hasMore` says whether older
   * events remain. Rejects with a history request's error.
   */
  private async messagesPage(roomId: string, want: number, from: number | undefined): Promise<HistoryPage> {
    let events: RoomEvent[] = [];
    let before = from;
    let page: HistoryPage;
    let headSeq: number | undefined;
    for (;;) {
      page = await this.options.api.history(roomId, { limit: Math.min(MAX_HISTORY_PAGE, Math.max(want, this.pageSize)), ...(before === undefined ? {} : { before }) });
      headSeq ??= page.headSeq;
      events = [...page.events, ...events];
      const oldest = page.events[0]?.seq;
      if (!page.hasMore || oldest === undefined || events.filter(isOwnMessage).length >= want) break;
      before = oldest;
    }
    let hasMore = page.hasMore;
    const own = events.filter(isOwnMessage);
    if (own.length > want) {
      const first = (own[own.length - want] as RoomEvent).seq;
      events = events.filter((e) => e.seq >= first);
      hasMore = true;
    }
    return { ...page, events, hasMore, headSeq: headSeq ?? page.headSeq };
  }

  /**
   * Loads older history until `seq` (and a few events before it) is loaded, at most 50 pages back;
   * a page is what is missing, at least the page size and at most the server's 500 events, so a jump
   * 10,000 messages back takes 20 requests.
   */
  async loadUntil(roomId: string, seq: number): Promise<void> {
    const goal = Math.max(1, seq - 5);
    for (let page = 0; page < 50; page++) {
      const first = this.timelines.get(roomId)?.events[0]?.seq;
      if (first !== undefined && first <= goal) return;
      if (!(await this.loadOlder(roomId, Math.max(this.pageSize, (first ?? goal) - goal)))) return;
    }
  }

  private get pageSize(): number {
    return this.options.pageSize ?? 100;
  }

  private async loadRooms(): Promise<Room[]> {
    const { api, live, user } = this.options;
    const list = await (this.options.listRooms ?? (() => api.rooms()))();
    const ids = new Set(list.map((r) => r.id));
    for (const roomId of [...this.watched]) if (!ids.has(roomId)) this.forget(roomId);
    this.rooms = list;
    this.loaded = true;
    // Read on another device while this one was away: the server's marker comes with the room list.
    for (const room of list) if (room.readSeq !== undefined && this.timelines.has(room.id)) this.apply(room.id, (s) => markRead(s, room.readSeq ?? 0));
    this.changed();
    for (const room of list) {
      if (this.watched.has(room.id) || !this.running) continue;
      this.watched.add(room.id);
      const page = this.options.firstPageCountsMessages ? await this.messagesPage(room.id, this.pageSize, undefined) : await api.history(room.id, { limit: this.pageSize });
      this.apply(room.id, (s) => ({ ...markRead(addEvents(s, page.events), room.readSeq ?? 0), hasOlder: page.hasMore }));
      this.decrypt(page.events);
      void this.fetchQuoted(room.id, page.events);
      if (this.watched.has(room.id)) live.watch(room.id, page.events.at(-1)?.seq ?? page.headSeq);
      if (isDirectMessage(room)) {
        const other = (await api.members(room.id)).find((m) => m.user.id !== user.id);
        if (other) this.setPeers(new Map(this.peers).set(room.id, { userId: other.user.id, username: other.user.username, online: other.online }));
      }
    }
    return list;
  }

  /** The user is no longer in the room: it leaves the list, the socket and the screen. */
  private forget(roomId: string): void {
    const removal = this.removalOf(roomId);
    if (removal && this.rooms.some((r) => r.id === roomId)) for (const listener of [...this.removalListeners]) listener(removal);
    this.watched.delete(roomId);
    this.options.live.unwatch(roomId);
    this.rooms = this.rooms.filter((r) => r.id !== roomId);
    const timelines = new Map(this.timelines);
    timelines.delete(roomId);
    this.timelines = timelines;
    if (this.peers.has(roomId)) {
      const peers = new Map(this.peers);
      peers.delete(roomId);
      this.peers = peers;
    }
    this.changed();
  }

  private onEvent(event: RoomEvent): void {
    if (event.kind === 'remove' && event.target?.id === this.options.user.id) this.removedBy.set(event.roomId, event.sender.username);
    else if ((event.kind === 'join' || event.kind === 'leave') && event.sender.id === this.options.user.id) this.removedBy.delete(event.roomId);
    this.apply(event.roomId, (s) => addEvents(s, [event]));
    this.relateQuoted(event);
    if (event.envelope && event.sender.id !== this.options.user.id) this.liveSealed.add(event.id);
    this.decrypt([event]);
    if (!event.envelope) this.noticeFor(event, event.body);
    void this.fetchQuoted(event.roomId, [event]);
  }

  /**
   * Fetches, one at a time, the messages that replies among `events` answer when they are not in the
   * room's timeline (the event at the target's seq, from history), and opens the private ones; each
   * target is asked for once. Answers those found, by event id. A failed fetch leaves the quote "not
   * loaded" (it is asked for again when another reply names it).
   */
  private async fetchQuoted(roomId: string, events: readonly RoomEvent[]): Promise<Map<string, RoomEvent>> {
    const found = new Map<string, RoomEvent>();
    for (const e of events) {
      const rel = e.relation;
      if (e.kind !== 'message' || rel?.type !== 'reply') continue;
      const known = this.quoted.get(rel.eventId);
      if (known) {
        found.set(rel.eventId, known);
        continue;
      }
      if (this.quoting.has(rel.eventId) || events.some((x) => x.id === rel.eventId) || this.timelines.get(roomId)?.events.some((x) => x.id === rel.eventId)) continue;
      this.quoting.add(rel.eventId);
      try {
        const page = await this.options.api.history(roomId, { after: rel.seq - 1, limit: 1 });
        const fetched = page.events.find((x) => x.seq === rel.seq && x.id === rel.eventId);
        if (!fetched) continue;
        const loadedFrom = Math.min(...events.map((x) => x.seq), this.timelines.get(roomId)?.events[0]?.seq ?? Infinity);
        const { target, edits } = fetched.redacted ? { target: fetched, edits: [] } : await this.relationsOf(roomId, fetched, loadedFrom);
        found.set(target.id, target);
        const quoted = new Map(this.quoted).set(target.id, target);
        for (const edit of edits) {
          quoted.set(edit.id, edit);
          found.set(edit.id, edit);
        }
        this.quoted = quoted;
        this.decrypt([target, ...edits]);
        this.changed();
      } catch {
        this.quoting.delete(rel.eventId);
      }
    }
    return found;
  }

  /**
   * Keeps the quoted messages in step with a live edit or delete of one: a delete drops its text (the
   * cached target becomes redacted), an edit by its author is kept beside it (see applyRelations).
   */
  private relateQuoted(event: RoomEvent): void {
    const rel = event.relation;
    const target = rel ? this.quoted.get(rel.eventId) : undefined;
    if (!rel || !target || event.kind !== 'message') return;
    if (rel.type === 'delete') this.quoted = new Map(this.quoted).set(target.id, { ...target, body: null, envelope: null, redacted: true });
    else if (rel.type === 'edit' && event.sender.id === target.sender.id) this.quoted = new Map(this.quoted).set(event.id, event);
    else return;
    this.changed();
  }

  /**
   * The edits and delete of a message fetched for a quote, from the events between it and `until`
   * (the first loaded seq: what is loaded, applyRelations sees anyway), at most QUOTE_SCAN_PAGES pages of
   * the server's 500. Answers the target (marked redacted when a delete of it is found) and its
   * author's edits, by seq. Rejects with a history request's error.
   */
  private async relationsOf(roomId: string, target: RoomEvent, until: number): Promise<{ target: RoomEvent; edits: RoomEvent[] }> {
    const edits: RoomEvent[] = [];
    let after = target.seq;
    for (let i = 0; i < QUOTE_SCAN_PAGES && after + 1 < until; i++) {
      const page = await this.options.api.history(roomId, { after, limit: MAX_HISTORY_PAGE });
      for (const e of page.events) {
        if (e.seq >= until || e.kind !== 'message' || e.relation?.eventId !== target.id) continue;
        if (e.relation.type === 'delete') return { target: { ...target, body: null, envelope: null, redacted: true }, edits: [] };
        if (e.relation.type === 'edit' && e.sender.id === target.sender.id && !e.redacted) edits.push(e);
      }
      const last = page.events.at(-1)?.seq;
      if (last === undefined || last <= after) break;
      after = last;
    }
    return { target, edits };
  }

  /** Tells the notice listeners of a live message from someone else that mentions this user or came in a DM. */
  private noticeFor(event: RoomEvent, text: string | null): void {
    if (this.noticeListeners.size === 0 || !isOwnMessage(event) || event.sender.id === this.options.user.id) return;
    const room = this.rooms.find((r) => r.id === event.roomId);
    const dm = room ? isDirectMessage(room) : false;
    const mention = text !== null && mentions(text, this.options.user.username);
    if (!dm && !mention) return;
    for (const listener of [...this.noticeListeners]) listener({ roomId: event.roomId, event, mention, dm });
  }

  private onSent(item: PendingMessage, ack: AckFrame): void {
    const last = this.timelines.get(item.roomId)?.events.at(-1)?.seq ?? 0;
    if (last < ack.seq) this.acked.set(item.clientMsgId, { item, seq: ack.seq });
    this.changed();
  }

  private onPresence(userId: string, online: boolean): void {
    let changed = false;
    const next = new Map(this.peers);
    for (const [roomId, peer] of this.peers) {
      if (peer.userId !== userId || peer.online === online) continue;
      next.set(roomId, { ...peer, online });
      changed = true;
    }
    if (changed) this.setPeers(next);
  }

  private setPeers(peers: Map<string, DmPeer>): void {
    this.peers = peers;
    this.changed();
  }

  private apply(roomId: string, f: (s: RoomState) => RoomState): void {
    const prev = this.timelines.get(roomId) ?? emptyRoom(roomId, this.options.readPositions[roomId] ?? 0);
    const next = f(prev);
    if (next === prev) return;
    this.timelines = new Map(this.timelines).set(roomId, next);
    const last = next.events.at(-1)?.seq ?? 0;
    for (const [id, a] of this.acked) if (a.item.roomId === roomId && a.seq <= last) this.acked.delete(id);
    this.changed();
  }

  /**
   * Opens again every loaded private message that did not open: after chain keys came from outside
   * the socket (the key backup restored with the recovery key).
   */
  reopen(): void {
    const shut = (e: RoomEvent) => e.envelope && this.opened.get(e.id)?.status !== 'ok';
    this.decrypt([...this.timelines.values()].flatMap((t) => t.events.filter(shut)));
  }

  /** Fetches chain shares waiting for this device; the messages waiting for a key are opened again. */
  private syncKeys(): void {
    void this.options.e2e?.sync().then(() => this.decrypt([...this.waiting.values()]), () => undefined);
  }

  /**
   * Opens private messages one at a time, in order, yielding (`yieldToUi`) after each so a long
   * history never blocks input. What opened is published in batches: at once when the queue runs dry
   * (a live message shows as soon as it is open), and otherwise at most every `publishEveryMs`, so
   * that opening 1,000 messages costs the screen a few dozen renders instead of a thousand.
   */
  private decrypt(events: readonly RoomEvent[]): void {
    for (const event of events) if (event.envelope) this.toOpen.push(event);
    if (!this.opening && this.toOpen.length > 0) {
      this.opening = true;
      this.decryptQueue = this.openQueued();
    }
  }

  /** Opens what {@link decrypt} queued until the queue is empty (see there). */
  private async openQueued(): Promise<void> {
    const { e2e } = this.options;
    const wait = this.options.yieldToUi ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
    const every = this.options.publishEveryMs ?? PUBLISH_EVERY_MS;
    const batch: { readonly event: RoomEvent; readonly result: Opened }[] = [];
    let publishedAt = performance.now();
    // `opening` is cleared in the same step that finds the queue empty, so a message queued after that starts a new run.
    try {
      for (let event = this.toOpen.shift(); event; event = this.toOpen.shift()) {
        const result: Opened = e2e
          ? await e2e.open(event).catch((error: unknown): Opened => ({ status: 'unreadable', reason: error instanceof Error ? error.message : String(error) }))
          : { status: 'unreadable', reason: 'this client has no end-to-end encryption' };
        if (result.status === 'waiting') this.waiting.set(event.id, event);
        else this.waiting.delete(event.id);
        batch.push({ event, result });
        if (this.toOpen.length === 0 || performance.now() - publishedAt >= every) {
          const opened = new Map(this.opened);
          for (const { event: e, result: o } of batch) opened.set(e.id, o);
          this.opened = opened;
          const done = batch.splice(0);
          this.changed();
          // Notices after the text is in the snapshot, in the order the messages opened.
          for (const { event: e, result: o } of done) {
            if (o.status !== 'waiting' && this.liveSealed.delete(e.id)) this.noticeFor(e, o.status === 'ok' ? o.body : null);
          }
          publishedAt = performance.now();
        }
        await wait();
      }
    } finally {
      this.opening = false;
    }
  }

  private changed(): void {
    this.snapshot = null;
    for (const listener of [...this.listeners]) listener();
  }

  private build(): ChatSnapshot {
    const { user } = this.options;
    const inTimeline = (p: PendingMessage) => this.timelines.get(p.roomId)?.events.some((e) => e.clientMsgId === p.clientMsgId && e.sender.id === user.id) ?? false;
    const pending = [...[...this.acked.values()].map((a) => a.item), ...this.outbox.pending]
      .filter((p) => !inTimeline(p))
      .sort((a, b) => a.queuedAt - b.queuedAt);
    const bodyOf = (e: RoomEvent): string | null => this.textOf(e);
    const unread = new Map<string, Unread>();
    for (const [roomId, state] of this.timelines) {
      const mentioned = unreadMentions(state, user, bodyOf);
      unread.set(roomId, { count: unreadCount(state, user.id), mention: mentioned > 0, mentions: mentioned });
    }
    return {
      connection: this.options.live.state,
      loaded: this.loaded,
      rooms: this.rooms,
      timelines: this.timelines,
      opened: this.opened,
      peers: this.peers,
      pending,
      quoted: this.quoted,
      unread,
    };
  }
}
