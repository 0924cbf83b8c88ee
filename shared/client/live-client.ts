import { ChatError, CloseCode, MAX_ROOMS_PER_FRAME, ServerFrame, WS_PATH } from '../protocol/index.js';
import type { AckFrame, DeviceAdded, Envelope, PresenceFrame, RelatesTo, RoomEvent, TypingEventFrame } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import type { BackoffPolicy } from './backoff.js';
import { backoffDelay, DEFAULT_BACKOFF, RESTART_ATTEMPTS, RESTART_BACKOFF } from './backoff.js';
import { Emitter } from './emitter.js';

/** The part of a WebSocket the client uses: the browser's WebSocket and the `ws` package both fit. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens a socket. Node passes headers; browsers cannot, so they use `socketAuth: 'ticket'`. */
export type SocketFactory = (url: string, headers: Record<string, string>) => SocketLike;

export type ConnectionState =
  | { readonly status: 'connecting' }
  | { readonly status: 'connected' }
  | { readonly status: 'reconnecting'; readonly attempt: number; readonly retryAt: number }
  | { readonly status: 'closed'; readonly reason: ChatError | null };

export interface LiveEvents extends Record<string, unknown> {
  /** A room event, exactly once and in seq order per room. */
  event: RoomEvent;
  typing: TypingEventFrame;
  presence: PresenceFrame;
  state: ConnectionState;
  /** The server ended a subscription because the user is no longer a member. */
  removed: { roomId: string };
  /** New chain shares wait in this device's queue on the server. */
  shares: Record<string, never>;
  /**
   * This user's devices changed, or a device verification moved on: list them again. `added`: a
   * device just signed in to the account for the first time, with where (client address) and when.
   */
  devices: { added?: DeviceAdded };
  /** Someone added this user to a room: the room list changed. */
  rooms: Record<string, never>;
  /** This user's read marker in a room moved (here or on another device). */
  read: { roomId: string; seq: number };
  /** Something went wrong that is not about one send (those reject their promise). */
  error: ChatError;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LiveClientOptions {
  readonly api: ApiClient;
  readonly createSocket: SocketFactory;
  readonly socketAuth?: 'header' | 'ticket';
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /** Events fetched per REST page when filling a gap. */
  readonly gapPageSize?: number;
}

interface RoomPosition {
  lastSeq: number;
  /** Work on this room's stream runs in order. */
  tail: Promise<void>;
}

interface Pending {
  readonly roomId: string;
  /** What the `send` frame carries: a body (open room) or an envelope (private room). */
  readonly payload: ({ readonly body: string } | { readonly envelope: Envelope }) & { readonly relatesTo?: RelatesTo };
  readonly resolve: (ack: AckFrame) => void;
  readonly reject: (error: ChatError) => void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * The live half of the client: one WebSocket that reconnects with backoff, resumes every watched room
 * from its last seq, fills any gap from REST history, and re-sends unacknowledged messages with their
 * original clientMsgId. Listeners see each room's events exactly once, in order.
 */
export class LiveClient extends Emitter<LiveEvents> {
  private readonly rooms = new Map<string, RoomPosition>();
  private readonly outbox = new Map<string, Pending>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private socket: SocketLike | null = null;
  private ready = false;
  private attempt = 0;
  /** The server closed the socket saying it was going away (1001): retry on RESTART_BACKOFF until connected. */
  private serverRestarting = false;
  private retryTimer: unknown = null;
  /** Renews the socket's token (a `reauth` frame) shortly before it expires. */
  private renewTimer: unknown = null;
  /** The access token the open socket was authenticated with, last. */
  private socketToken: string | null = null;
  /** The server closed the socket because its token expired: refresh before reconnecting. */
  private tokenExpired = false;
  private stopped = true;
  private current: ConnectionState = { status: 'closed', reason: null };

  constructor(private readonly options: LiveClientOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Connects, and keeps reconnecting until `stop`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  /** Closes the socket for good; unacknowledged sends fail with `unavailable`. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.cancelRenewal();
    this.socket?.close(CloseCode.normal, 'client closing');
    this.socket = null;
    this.ready = false;
    for (const [id, p] of this.outbox) {
      this.outbox.delete(id);
      p.reject(new ChatError('unavailable', 'the connection was closed before the server acknowledged the message'));
    }
    this.setState({ status: 'closed', reason: null });
  }

  /** Follows a room from `sinceSeq` (events after it are delivered). */
  watch(roomId: string, sinceSeq: number): void {
    this.rooms.set(roomId, { lastSeq: sinceSeq, tail: Promise.resolve() });
    if (this.ready) this.sendFrame({ type: 'subscribe', rooms: [{ roomId, sinceSeq }] });
  }

  unwatch(roomId: string): void {
    if (!this.rooms.delete(roomId)) return;
    if (this.ready) this.sendFrame({ type: 'unsubscribe', roomIds: [roomId] });
  }

  /** The last seq delivered for a room, or undefined if not watched. */
  position(roomId: string): number | undefined {
    return this.rooms.get(roomId)?.lastSeq;
  }

  /**
   * Sends a message; resolves with the server's ack once it is committed. If the connection drops
   * first, it is re-sent with the same clientMsgId after reconnecting, so it is stored once. With
   * `relatesTo`, the text edits, reacts to or replies to an earlier message (see relations.ts).
   */
  send(roomId: string, body: string, clientMsgId: string = crypto.randomUUID(), relatesTo?: RelatesTo): Promise<AckFrame> {
    return this.sendPayload(roomId, clientMsgId, { body, ...(relatesTo ? { relatesTo } : {}) });
  }

  /**
   * Sends a private room's message (its envelope names `clientMsgId`), acknowledged and re-sent after a
   * reconnect exactly as `send` is (`relatesTo` as there).
   */
  sendEnvelope(roomId: string, envelope: Envelope, relatesTo?: RelatesTo): Promise<AckFrame> {
    return this.sendPayload(roomId, envelope.clientMsgId, { envelope, ...(relatesTo ? { relatesTo } : {}) });
  }

  private sendPayload(roomId: string, clientMsgId: string, payload: Pending['payload']): Promise<AckFrame> {
    return new Promise<AckFrame>((resolve, reject) => {
      if (this.stopped) {
        reject(new ChatError('unavailable', 'not connected'));
        return;
      }
      this.outbox.set(clientMsgId, { roomId, payload, resolve, reject });
      if (this.ready) this.sendFrame({ type: 'send', roomId, clientMsgId, ...payload });
    });
  }

  /** Tells the room this user started or stopped typing; dropped while disconnected. */
  typing(roomId: string, state: 'start' | 'stop'): void {
    if (this.ready && this.rooms.has(roomId)) this.sendFrame({ type: 'typing', roomId, state });
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.emit('state', state);
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.stopped) return;
    // A retry keeps its `reconnecting` state (with its attempt) until it connects or fails again:
    // telling it a second time would read as a second loss ("reconnecting in 0 s").
    if (this.attempt === 0) this.setState({ status: 'connecting' });
    const { api } = this.options;
    let headers: Record<string, string> = {};
    let url = api.serverUrl.replace(/^http/, 'ws') + WS_PATH;
    try {
      // After a 4002 the stored token may still look good here (a clock off): renew it regardless.
      const session = this.tokenExpired && this.socketToken ? await api.renewSession(this.socketToken) : await api.freshSession();
      this.tokenExpired = false;
      this.socketToken = session.accessToken;
      if (this.options.socketAuth === 'ticket') {
        url += `?ticket=${encodeURIComponent((await api.wsTicket()).ticket)}`;
      } else {
        headers = { authorization: `Bearer ${session.accessToken}` };
      }
    } catch (error) {
      const chat = error instanceof ChatError ? error : new ChatError('unavailable', String(error));
      if (chat.code === 'session_revoked' || chat.code === 'unauthorized') return this.fail(chat);
      return this.scheduleReconnect();
    }
    if (this.stopped) return;
    const socket = this.options.createSocket(url, headers);
    this.socket = socket;
    socket.onmessage = (event) => this.onFrame(event.data);
    socket.onerror = () => {
      // A close event follows; reconnecting is decided there.
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.ready = false;
      this.cancelRenewal();
      if (this.stopped) return;
      if (event.code === CloseCode.sessionRevoked) {
        this.fail(new ChatError('session_revoked', 'this session was signed out or revoked; sign in again'));
        return;
      }
      if (event.code === CloseCode.goingAway) this.serverRestarting = true;
      if (event.code === CloseCode.tokenExpired && !this.tokenExpired) {
        // Not a failure: refresh and come straight back (once; a repeat backs off as usual).
        this.tokenExpired = true;
        this.setState({ status: 'reconnecting', attempt: this.attempt, retryAt: this.clock.now() });
        this.retryTimer = this.clock.setTimeout(() => void this.connect(), 0);
        return;
      }
      this.scheduleReconnect();
    };
  }

  private fail(reason: ChatError): void {
    this.stop();
    this.setState({ status: 'closed', reason });
    this.emit('error', reason);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const restarting = this.serverRestarting && this.attempt < RESTART_ATTEMPTS;
    const delay = backoffDelay(this.attempt, this.random, restarting ? RESTART_BACKOFF : (this.options.backoff ?? DEFAULT_BACKOFF));
    this.attempt += 1;
    this.setState({ status: 'reconnecting', attempt: this.attempt, retryAt: this.clock.now() + delay });
    this.retryTimer = this.clock.setTimeout(() => void this.connect(), delay);
  }

  /** Arms the renewal: shortly before the token expires (on the server's clock), refresh and send `reauth`. */
  private scheduleRenewal(): void {
    this.cancelRenewal();
    void this.options.api.session().then((session) => {
      if (!session || !this.ready) return;
      // A floor, so a server that never says its time cannot make this spin: at worst the socket
      // closes with 4002 and the reconnect refreshes.
      const delay = Math.max(this.options.api.msUntilRenewal(session), 10_000);
      this.renewTimer = this.clock.setTimeout(() => void this.renew(), delay);
    });
  }

  private cancelRenewal(): void {
    if (this.renewTimer !== null) this.clock.clearTimeout(this.renewTimer);
    this.renewTimer = null;
  }

  private async renew(): Promise<void> {
    this.renewTimer = null;
    if (!this.ready) return;
    try {
      const session = await this.options.api.freshSession();
      if (!this.ready || this.socket === null) return;
      this.socketToken = session.accessToken;
      this.sendFrame({ type: 'reauth', accessToken: session.accessToken });
    } catch (error) {
      const chat = error instanceof ChatError ? error : new ChatError('unavailable', String(error));
      if (chat.code === 'session_revoked' || chat.code === 'unauthorized') return this.fail(chat);
      // The server closes the socket with 4002 at expiry, and the reconnect refreshes then.
    }
  }

  private sendFrame(frame: object): void {
    this.socket?.send(JSON.stringify(frame));
  }

  private onFrame(data: unknown): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      this.emit('error', new ChatError('internal', 'the server sent a frame that is not JSON'));
      return;
    }
    const result = ServerFrame.safeParse(parsed);
    if (!result.success) {
      this.emit('error', new ChatError('internal', 'the server sent a frame this client does not understand'));
      return;
    }
    const frame = result.data;
    switch (frame.type) {
      case 'ready':
        this.onReady();
        return;
      case 'event':
        this.onEvent(frame.event);
        return;
      case 'batch':
        for (const event of frame.events) this.onEvent(event);
        return;
      case 'subscribed':
        // Past the server's backfill limit the rest comes from REST history.
        if (!frame.recovered) this.inOrder(frame.roomId, (room) => this.fillTo(frame.roomId, room, frame.headSeq));
        return;
      case 'unsubscribed':
        if (frame.reason === 'removed') {
          const removed = (): void => {
            this.rooms.delete(frame.roomId);
            this.emit('removed', { roomId: frame.roomId });
          };
          // After the room's events before it are delivered (its own `remove` or `leave` among them).
          if (this.rooms.has(frame.roomId)) this.inOrder(frame.roomId, async (room) => void (this.rooms.get(frame.roomId) === room && removed()));
          else removed();
        }
        return;
      case 'ack': {
        const pending = this.outbox.get(frame.clientMsgId);
        this.outbox.delete(frame.clientMsgId);
        pending?.resolve(frame);
        return;
      }
      case 'typing':
        this.emit('typing', frame);
        return;
      case 'presence':
        this.emit('presence', frame);
        return;
      case 'shares':
        this.emit('shares', {});
        return;
      case 'rooms':
        this.emit('rooms', {});
        return;
      case 'read':
        this.emit('read', { roomId: frame.roomId, seq: frame.seq });
        return;
      case 'devices':
        this.emit('devices', frame.added ? { added: frame.added } : {});
        return;
      case 'reauthed':
        this.scheduleRenewal();
        return;
      case 'error': {
        const error = new ChatError(frame.code, frame.message);
        const pending = frame.ref === undefined ? undefined : this.outbox.get(frame.ref);
        if (pending && frame.ref !== undefined && frame.code !== 'rate_limited') {
          this.outbox.delete(frame.ref);
          pending.reject(error);
        } else {
          this.emit('error', error);
        }
        return;
      }
      default: {
        const unreachable: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private onReady(): void {
    this.ready = true;
    this.attempt = 0;
    this.serverRestarting = false;
    this.setState({ status: 'connected' });
    this.scheduleRenewal();
    const rooms = [...this.rooms].map(([roomId, r]) => ({ roomId, sinceSeq: r.lastSeq }));
    for (let i = 0; i < rooms.length; i += MAX_ROOMS_PER_FRAME) this.sendFrame({ type: 'subscribe', rooms: rooms.slice(i, i + MAX_ROOMS_PER_FRAME) });
    for (const [clientMsgId, p] of this.outbox) this.sendFrame({ type: 'send', roomId: p.roomId, clientMsgId, ...p.payload });
  }

  private onEvent(event: RoomEvent): void {
    this.inOrder(event.roomId, async (room) => {
      if (event.seq <= room.lastSeq) return; // seen already
      if (event.seq > room.lastSeq + 1) await this.fillTo(event.roomId, room, event.seq - 1);
      if (event.seq === room.lastSeq + 1) this.deliver(room, event);
    });
  }

  /** Delivers from REST history everything up to `targetSeq` that was missed. */
  private async fillTo(roomId: string, room: RoomPosition, targetSeq: number): Promise<void> {
    while (room.lastSeq < targetSeq && this.rooms.get(roomId) === room) {
      const page = await this.options.api.history(roomId, { after: room.lastSeq, limit: Math.min(this.options.gapPageSize ?? 200, 500) });
      if (page.events.length === 0) return;
      for (const event of page.events) if (event.seq === room.lastSeq + 1 && event.seq <= targetSeq) this.deliver(room, event);
    }
  }

  private deliver(room: RoomPosition, event: RoomEvent): void {
    room.lastSeq = event.seq;
    this.emit('event', event);
  }

  private inOrder(roomId: string, task: (room: RoomPosition) => Promise<void>): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.tail = room.tail
      .then(() => task(room))
      .catch((error: unknown) => this.emit('error', error instanceof ChatError ? error : new ChatError('internal', String(error))));
  }
}
