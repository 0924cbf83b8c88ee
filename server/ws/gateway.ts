import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { RawData } from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { ClientFrame } from '../../shared/protocol/index.js';
import { ChatError, ClientFrame as ClientFrameSchema, CloseCode, encodeServerFrame, frameCost, invalidRequest, sizeCost, WS_MAX_PAYLOAD, WS_PATH } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { Channels } from '../bus/bus.js';
import type { Presence } from '../presence/presence.js';
import { KeyedBuckets } from '../ratelimit/keyed-buckets.js';
import { ControlMessage, publishControl, publishRoomMessage, readBusMessage } from '../bus/messages.js';
import type { AuthService } from '../services/auth-service.js';
import type { MessageService } from '../services/message-service.js';
import type { DeviceActivity } from '../services/device-activity.js';
import type { SessionGuard } from '../services/session-guard.js';
import type { AccessClaims, TokenIssuer } from '../services/tokens.js';
import type { Store } from '../store/store.js';
import type { ConnectionOptions } from './connection.js';
import { Connection, FlushScheduler, SharedFrame } from './connection.js';
import type { Metrics } from '../metrics.js';
import { HeartbeatWheel } from './heartbeat-wheel.js';
import { RoomFeeds } from './room-feeds.js';
import { TurnBatch } from './turn-batch.js';

export interface GatewayDeps {
  readonly metrics?: Metrics;
  /** How often room feeds re-check their position against the store (default 10 s). */
  readonly positionCheckMs?: number;
  readonly store: Store;
  readonly bus: Bus;
  readonly presence: Presence;
  readonly auth: AuthService;
  readonly tokens: TokenIssuer;
  /** Whether a token's session is still live: checked at the upgrade, on each frame and on re-auth. */
  readonly guard: SessionGuard;
  /** Told when a device opens a socket, for its last-seen time. */
  readonly activity?: DeviceActivity;
  readonly messages: MessageService;
  readonly logger: Logger;
  /** Browser origins allowed to open sockets; requests without an Origin (CLI) are allowed. */
  readonly isOriginAllowed: (origin: string, req: IncomingMessage) => boolean;
  /**
   * How often each socket is pinged, in ms; a socket that has not answered its previous ping by then is
   * cut off. The pings are spread over the period, a slice every ~100 ms (HeartbeatWheel).
   */
  readonly heartbeatMs: number;
  /**
   * How often one sweep closes, with 4002, the sockets whose access token has expired, in ms (default
   * 1 s): one timer for all sockets instead of one per socket.
   */
  readonly expirySweepMs?: number;
  /**
   * How often every open socket's session is re-checked through the guard (and its cache), in ms
   * (default 5 s): a socket that only listens is closed with 4001 even when its revoke notice was lost.
   */
  readonly sessionSweepMs?: number;
  /** Open sockets one user may hold on this instance (default 20); an upgrade past it is refused with 429. */
  readonly maxSocketsPerUser?: number;
  readonly connection: Omit<ConnectionOptions, 'scheduler'>;
  readonly now: () => number;
}

/**
 * The WebSocket gateway: authenticates before the upgrade completes, keeps sockets alive with pings,
 * and dispatches each client frame to one handler.
 */
export class Gateway {
  /** No client tracking (the gateway keeps its own set); each socket a GatewaySocket, which knows its Connection. */
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false, clientTracking: false, WebSocket: GatewaySocket });
  /** Every open socket's Connection, which carries its current claims (see `grant`). */
  private readonly connections = new Set<Connection>();
  /**
   * The listeners of every socket, made once: each finds its Connection through its socket (`this`), so
   * an idle socket carries no closures of its own.
   */
  private readonly socketListeners: SocketListeners;
  private readonly scheduler: FlushScheduler;
  /** Every connection's options: one object for all, so an idle socket carries no copy of its own. */
  private readonly connectionOptions: ConnectionOptions;
  private readonly feeds: RoomFeeds;
  /** What each user's frames may cost, across that user's sockets on this instance. */
  private readonly userBuckets: KeyedBuckets;
  /** Sockets per user on this instance, counted from an admitted upgrade until its TCP socket closes. */
  private readonly socketsOfUser = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly heartbeatWheel: HeartbeatWheel<Connection>;
  private readonly sweeper: NodeJS.Timeout;
  private readonly expirySweeper: NodeJS.Timeout;
  /**
   * The rooms of each user whose presence changes, read for every user announced in one turn of the
   * event loop in one store query (a reconnect storm of single-socket users would otherwise cost one
   * query per connect).
   */
  private readonly roomsOfUser: TurnBatch<string, string[]>;
  private closing = false;

  constructor(private readonly deps: GatewayDeps) {
    this.feeds = new RoomFeeds(deps.store, deps.bus, deps.logger, deps.positionCheckMs, deps.metrics);
    this.userBuckets = new KeyedBuckets(deps.connection.frameBudget.user);
    this.roomsOfUser = new TurnBatch((userIds) => deps.store.roomIdsOfUsers(userIds), []);
    const metrics = deps.metrics;
    this.scheduler = new FlushScheduler(metrics ? (n: number) => metrics.framesOut.inc(n) : undefined);
    this.connectionOptions = { ...deps.connection, scheduler: this.scheduler };
    this.heartbeatWheel = new HeartbeatWheel(deps.heartbeatMs, performance.now());
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatWheel.turnMs);
    this.heartbeat.unref();
    this.expirySweeper = setInterval(() => this.expireDue(), deps.expirySweepMs ?? 1_000);
    this.expirySweeper.unref();
    this.socketListeners = socketListeners(
      (conn, data, isBinary) => this.onMessage(conn, data, isBinary),
      (conn) => void this.onClose(conn),
      deps.logger,
    );
    this.sweeper = setInterval(() => {
      this.sweepSessions().catch((error: unknown) => deps.logger.warn({ err: error }, 'session sweep failed'));
    }, deps.sessionSweepMs ?? 5_000);
    this.sweeper.unref();
  }

  /** Subscribes to the control channel; call once before serving. */
  async start(): Promise<void> {
    await this.deps.bus.subscribe(Channels.control, (raw) => this.onControl(raw));
    // Revoke notices sent while the bus was away are lost: ask the store about every open socket.
    this.deps.bus.onReconnect(() => void this.recheckSessions().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'session re-check failed')));
  }

  /**
   * Forgets every cached session and closes, with 4001, each socket whose session or device is no
   * longer live. Runs after the bus reconnects; resolves when every socket was checked.
   */
  async recheckSessions(): Promise<void> {
    this.deps.guard.clear();
    await this.sweepSessions();
  }

  /**
   * Re-checks the session of every open socket through the guard (cached answers count; the others in
   * one batched store read) and closes, with 4001, each socket whose session is no longer live. Runs
   * every `sessionSweepMs` and after the bus reconnects; resolves to how many sockets it closed. A
   * store that fails leaves the sockets open until the next sweep.
   */
  async sweepSessions(): Promise<number> {
    const conns = [...this.connections];
    const live = await this.deps.guard.liveAmong(conns.map((conn) => conn.claims));
    let closed = 0;
    for (const conn of conns) {
      if (live.has(conn.claims.sessionId) || !conn.open) continue;
      conn.close(CloseCode.sessionRevoked, 'session revoked');
      closed++;
    }
    return closed;
  }

  /** How many sockets are open (for metrics and tests). */
  get size(): number {
    return this.connections.size;
  }

  /** The http server's 'upgrade' listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroyOnError);
    // The socket's lasting listeners are made in methods of their own, so none of them holds the
    // request, its headers or `head` (the request's bytes) for as long as the socket lives.
    void this.authenticate(req).then(
      (claims) => this.accept(req, socket, head, claims),
      (error: unknown) => {
        const status = error instanceof UpgradeRefused ? error.status : 500;
        reject(socket, status, error instanceof Error ? error.message : 'refused');
      },
    );
  }

  /** Completes an authenticated upgrade, unless the gateway is closing or the user holds too many sockets. */
  private accept(req: IncomingMessage, socket: Duplex, head: Buffer, claims: AccessClaims): void {
    if (this.closing) return reject(socket, 503, 'Service Unavailable');
    if (socket.destroyed) return;
    // Counted before the handshake ends, so a burst of upgrades cannot all slip under the cap.
    const held = this.socketsOfUser.get(claims.userId) ?? 0;
    if (held >= (this.deps.maxSocketsPerUser ?? 20)) {
      this.deps.metrics?.rateLimited.inc({ kind: 'socket' });
      return reject(socket, 429, 'Too Many Requests', { code: 'rate_limited', message: 'too many open sockets for this user; close some first' });
    }
    this.socketsOfUser.set(claims.userId, held + 1);
    this.releaseOnClose(socket, claims.userId);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws as GatewaySocket, claims));
  }

  /** Uncounts the user's socket when its TCP socket closes. */
  private releaseOnClose(socket: Duplex, userId: string): void {
    socket.once('close', () => {
      const left = (this.socketsOfUser.get(userId) ?? 1) - 1;
      if (left > 0) this.socketsOfUser.set(userId, left);
      else this.socketsOfUser.delete(userId);
    });
  }

  /** Closes every socket with "going away"; clients reconnect to another instance or later. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    clearInterval(this.sweeper);
    clearInterval(this.expirySweeper);
    for (const c of this.connections) c.close(CloseCode.goingAway, 'server shutting down');
    await this.feeds.close();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private async authenticate(req: IncomingMessage): Promise<AccessClaims> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) throw new UpgradeRefused(404, 'Not Found');
    const origin = req.headers.origin;
    if (origin !== undefined && !this.deps.isOriginAllowed(origin, req)) throw new UpgradeRefused(403, 'Origin not allowed');
    const header = req.headers.authorization;
    let claims: AccessClaims | null = null;
    if (header?.startsWith('Bearer ')) {
      try {
        claims = this.deps.tokens.verifyAccess(header.slice('Bearer '.length));
      } catch (error) {
        throw new UpgradeRefused(401, error instanceof ChatError ? error.code : 'unauthorized');
      }
    } else {
      const ticket = url.searchParams.get('ticket');
      if (ticket) claims = await this.deps.auth.redeemWsTicket(ticket);
    }
    if (!claims) throw new UpgradeRefused(401, 'unauthorized');
    if (claims.expiresAtMs <= this.deps.now()) throw new UpgradeRefused(401, 'token_expired');
    if (!(await this.deps.guard.isLive(claims))) throw new UpgradeRefused(401, 'session_revoked');
    return claims;
  }

  /**
   * Closes the socket with 4002 if its token has expired by `now` (the gateway's clock); whether it
   * did. The expiry sweep (every `expirySweepMs`), the heartbeat and every frame ask this.
   */
  private expireIfDue(conn: Connection, now = this.deps.now()): boolean {
    if (!conn.open || conn.claims.expiresAtMs > now) return false;
    conn.close(CloseCode.tokenExpired, 'access token expired: refresh and reconnect');
    return true;
  }

  /** Whether a frame may be handled: the token has not expired and the session is live (else the socket closes). */
  private async authorized(conn: Connection): Promise<boolean> {
    if (!this.connections.has(conn) || this.expireIfDue(conn)) return false;
    if (await this.deps.guard.isLive(conn.claims)) return true;
    conn.close(CloseCode.sessionRevoked, 'session revoked');
    return false;
  }

  /** Renews the socket with a fresh token of the same user and device, answering `reauthed`. */
  private async reauth(conn: Connection, accessToken: string): Promise<void> {
    let claims: AccessClaims;
    try {
      claims = this.deps.tokens.verifyAccess(accessToken);
    } catch (error) {
      this.sendError(conn, error, 'reauth');
      return;
    }
    if (claims.userId !== conn.user.id || claims.deviceId !== conn.deviceId) {
      this.sendError(conn, new ChatError('forbidden', 'a socket re-authenticates only with a token of its own user and device'), 'reauth');
      return;
    }
    if (!(await this.deps.guard.isLive(claims))) {
      conn.close(CloseCode.sessionRevoked, 'session revoked');
      return;
    }
    conn.claims = claims;
    conn.sendFrame(encodeServerFrame({ type: 'reauthed', expiresAt: new Date(claims.expiresAtMs).toISOString() }));
  }

  private async onConnection(ws: GatewaySocket, claims: AccessClaims): Promise<void> {
    const conn = new Connection(randomUUID(), ws, { id: claims.userId, username: claims.username }, claims, this.connectionOptions);
    ws.connection = conn;
    this.connections.add(conn);
    this.heartbeatWheel.add(conn);
    this.deps.metrics?.connections.inc();
    const listeners = this.socketListeners;
    ws.on('pong', listeners.pong);
    ws.on('message', listeners.message);
    ws.on('error', listeners.error);
    ws.on('close', listeners.close);
    conn.sendFrame(encodeServerFrame({ type: 'ready', user: conn.user, deviceId: conn.deviceId, connectionId: conn.id }));
    void this.deps.activity?.seen(conn.deviceId);
    try {
      if (await this.deps.presence.connected(conn.user.id)) await this.announcePresence(conn.user, 'online', null);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'presence update failed');
    }
  }

  private async onClose(conn: Connection): Promise<void> {
    this.connections.delete(conn);
    this.heartbeatWheel.delete(conn);
    this.deps.metrics?.connections.dec();
    const rooms = [...conn.rooms];
    for (const roomId of conn.typingIn ?? []) await this.publishTyping(conn, roomId, 'stop').catch(() => {});
    await Promise.allSettled(rooms.map((roomId) => this.feeds.unsubscribe(conn, roomId)));
    // While the server stops, the store and Redis are closing under these handlers: this instance's
    // presence leases lapse on their own (30 s), and the users reconnect elsewhere or later.
    if (this.closing) return;
    try {
      if (await this.deps.presence.disconnected(conn.user.id)) {
        const at = new Date(this.deps.now());
        await this.deps.store.touchUserLastSeen(conn.user.id, at);
        await this.announcePresence(conn.user, 'offline', at.toISOString());
      }
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'presence update failed');
    }
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    // A socket being closed (a flood) gets nothing more handled, whatever is still in flight.
    if (!conn.open) return;
    this.deps.metrics?.framesIn.inc();
    // Every frame pays for its size before it is parsed, so parsing is bounded too; what it asks for, after.
    const paid = sizeCost(byteLength(data));
    if (!this.admit(conn, paid, undefined)) return;
    let parsed: unknown;
    try {
      parsed = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      parsed = undefined;
    }
    const result = ClientFrameSchema.safeParse(parsed);
    if (!result.success) {
      this.sendError(conn, parsed === undefined ? new ChatError('invalid_request', 'frames are JSON text') : invalidRequest(result.error.issues), refOf(parsed));
      return;
    }
    const frame = result.data;
    const rest = frameCost(frame) - paid;
    if (rest > 0 && !this.admit(conn, rest, refOf(parsed))) return;
    // Frames of one socket are handled one after another, so its sends commit in the order sent.
    conn.work = conn.work.then(() => this.handle(conn, frame)).catch((error: unknown) => this.sendError(conn, error, undefined));
  }

  /**
   * Charges `cost` to the socket and its user. A refused frame is not handled: the first refusal of a
   * window is answered with one `rate_limited` error, later ones with nothing, and a socket that keeps
   * on is closed with 4029 (documented in docs/protocol.md).
   */
  private admit(conn: Connection, cost: number, ref: string | undefined): boolean {
    const verdict = conn.guard.admit(cost, this.userBuckets.of(conn.user.id));
    if (verdict === 'admit') return true;
    this.deps.metrics?.rateLimited.inc({ kind: 'socket' });
    if (verdict === 'warn') {
      conn.sendFrame(encodeServerFrame({ type: 'error', code: 'rate_limited', message: 'too many frames or rooms; slow down (frames are dropped until then)', ...(ref === undefined ? {} : { ref }) }));
    } else if (verdict === 'close') {
      conn.close(CloseCode.rateLimited, 'rate limited: too many frames');
    }
    return false;
  }

  /** One handler per frame type; errors become error frames naming what they are about. */
  private async handle(conn: Connection, frame: ClientFrame): Promise<void> {
    if (!(await this.authorized(conn))) return;
    switch (frame.type) {
      case 'reauth':
        await this.reauth(conn, frame.accessToken);
        return;
      case 'subscribe':
        await this.feeds.subscribe(conn, frame.rooms, {
          // One answer for every room refused, however many there are.
          refused: (roomIds) =>
            conn.sendFrame(
              encodeServerFrame({
                type: 'error',
                code: 'forbidden',
                message: roomIds.length === 1 ? 'you are not a member of this room' : `you are not a member of ${roomIds.length} of these rooms`,
                ...(roomIds.length === 1 ? { ref: roomIds[0] } : {}),
                roomIds: [...roomIds],
              }),
            ),
          failed: (roomId, error) => this.sendError(conn, error, roomId),
        });
        return;
      case 'unsubscribe':
        for (const roomId of frame.roomIds) {
          await this.feeds.unsubscribe(conn, roomId);
          conn.sendFrame(encodeServerFrame({ type: 'unsubscribed', roomId, reason: 'requested' }));
        }
        return;
      case 'send':
        try {
          const relation = frame.relatesTo ? { relatesTo: frame.relatesTo } : {};
          const payload = 'envelope' in frame ? { clientMsgId: frame.clientMsgId, envelope: frame.envelope, ...relation } : { clientMsgId: frame.clientMsgId, body: frame.body, ...relation };
          const ack = await this.deps.messages.send({ ...conn.user, deviceId: conn.deviceId }, frame.roomId, payload);
          conn.sendFrame(encodeServerFrame({ type: 'ack', roomId: frame.roomId, clientMsgId: frame.clientMsgId, id: ack.id, seq: ack.seq, duplicate: ack.duplicate }));
        } catch (error) {
          this.sendError(conn, error, frame.clientMsgId);
        }
        return;
      case 'typing':
        if (!conn.rooms.has(frame.roomId)) {
          this.sendError(conn, new ChatError('forbidden', 'subscribe to the room before typing in it'), frame.roomId);
          return;
        }
        if (frame.state === 'start') (conn.typingIn ??= new Set()).add(frame.roomId);
        else conn.typingIn?.delete(frame.roomId);
        await this.publishTyping(conn, frame.roomId, frame.state).catch((error: unknown) => this.sendError(conn, error, frame.roomId));
        return;
      default: {
        const unreachable: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private publishTyping(conn: Connection, roomId: string, state: 'start' | 'stop'): Promise<void> {
    return publishRoomMessage(this.deps.bus, roomId, { t: 'typing', user: conn.user, state, connectionId: conn.id });
  }

  private async announcePresence(user: { id: string; username: string }, status: 'online' | 'offline', lastSeenAt: string | null): Promise<void> {
    const roomIds = await this.roomsOfUser.ask(user.id);
    await publishControl(this.deps.bus, { t: 'presence', user, status, lastSeenAt, roomIds });
  }

  private onControl(raw: string): void {
    const read = readBusMessage(ControlMessage, raw);
    if (!read.ok) {
      this.deps.logger.debug({ reason: read.reason }, 'invalid control message dropped');
      return;
    }
    const message = read.message;
    switch (message.t) {
      case 'revoke':
        this.deps.guard.invalidate(message);
        for (const c of this.connections) {
          if (c.deviceId === message.deviceId && (message.sessionId === undefined || c.claims.sessionId === message.sessionId)) {
            c.close(CloseCode.sessionRevoked, 'session revoked');
          }
        }
        return;
      case 'shares': {
        const devices = new Set(message.deviceIds);
        const frame = encodeServerFrame({ type: 'shares' });
        for (const c of this.connections) if (devices.has(c.deviceId)) c.sendFrame(frame);
        return;
      }
      case 'rooms': {
        const users = new Set(message.userIds);
        const frame = encodeServerFrame({ type: 'rooms' });
        for (const c of this.connections) if (users.has(c.user.id)) c.sendFrame(frame);
        return;
      }
      case 'read': {
        const frame = encodeServerFrame({ type: 'read', roomId: message.roomId, seq: message.seq });
        for (const c of this.connections) if (c.user.id === message.userId) c.sendFrame(frame);
        return;
      }
      case 'devices': {
        const users = new Set(message.userIds);
        const frame = encodeServerFrame(message.added ? { type: 'devices', added: message.added } : { type: 'devices' });
        for (const c of this.connections) if (users.has(c.user.id)) c.sendFrame(frame);
        return;
      }
      case 'presence': {
        const frame = new SharedFrame(encodeServerFrame({ type: 'presence', user: message.user, status: message.status, lastSeenAt: message.lastSeenAt }));
        for (const c of this.feeds.subscribersOf(message.roomIds)) if (c.user.id !== message.user.id) c.sendShared(frame);
        return;
      }
      default: {
        const unreachable: never = message;
        throw new Error(`unhandled control message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private sendError(conn: Connection, error: unknown, ref: string | undefined): void {
    const known = error instanceof ChatError ? error : undefined;
    if (!known) this.deps.logger.error({ err: error, connectionId: conn.id }, 'frame handler failed');
    conn.sendFrame(
      encodeServerFrame({
        type: 'error',
        code: known?.code ?? 'internal',
        message: known?.message ?? 'internal error',
        ...(ref === undefined ? {} : { ref }),
      }),
    );
  }

  /**
   * Closes with 4002 every socket whose access token has expired by the gateway's clock; returns how
   * many. The expiry sweep calls it every `expirySweepMs`, the heartbeat too.
   */
  expireDue(): number {
    const now = this.deps.now();
    let closed = 0;
    for (const c of this.connections) if (this.expireIfDue(c, now)) closed++;
    return closed;
  }

  /**
   * One turn of the heartbeat wheel: each socket due now that has not answered its last ping (a pong)
   * is cut off, every other is pinged again. Each socket comes due once per `heartbeatMs` of wall time,
   * however late the timer fires; the turns spread the pings over that period (see HeartbeatWheel).
   * Each new period also closes what expired.
   */
  private beat(): void {
    const { due, newPeriod } = this.heartbeatWheel.advance(performance.now());
    if (newPeriod) this.expireDue();
    for (const c of due) {
      if (!c.alive) {
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }
}

/** A socket of the gateway: ws's own, with the Connection it carries (set once the upgrade completes). */
export class GatewaySocket extends WebSocket {
  connection: Connection | undefined;

  /**
   * Writes a whole WebSocket frame (see `textFrame`) to the TCP socket as it is: the same bytes go to
   * every socket that gets the same events, without ws framing them again per socket. Sound because
   * the gateway turns permessage-deflate off: ws's Sender then writes every frame of its own (pings,
   * pongs, close) at once, holding none back for compression, so frames reach the socket in call order.
   * Reads ws's TCP socket (`_socket`, set before the socket is handed to the gateway).
   */
  writeWireFrame(frame: Buffer): void {
    (this as unknown as { _socket: Duplex })._socket.write(frame);
  }
}

/** The listeners every gateway socket shares; each finds its Connection through `this`, its socket. */
interface SocketListeners {
  readonly pong: (this: WebSocket) => void;
  readonly message: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  readonly error: (this: WebSocket, error: Error) => void;
  readonly close: (this: WebSocket) => void;
}

/** One set of socket listeners for a gateway: frames go to `onMessage`, closes to `onClose`, errors to the log at debug. */
function socketListeners(onMessage: (conn: Connection, data: RawData, isBinary: boolean) => void, onClose: (conn: Connection) => void, logger: Logger): SocketListeners {
  return {
    pong() {
      const conn = connectionOf(this);
      if (conn) conn.alive = true;
    },
    message(data, isBinary) {
      const conn = connectionOf(this);
      if (conn) onMessage(conn, data, isBinary);
    },
    error(error) {
      logger.debug({ err: error, connectionId: connectionOf(this)?.id }, 'socket error');
    },
    close() {
      const conn = connectionOf(this);
      if (conn) onClose(conn);
    },
  };
}

/** The Connection a gateway socket carries (undefined before its upgrade completes). */
function connectionOf(ws: WebSocket): Connection | undefined {
  return (ws as GatewaySocket).connection;
}

/** A socket's error listener during and after the upgrade: one function for every socket. */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Why an upgrade was refused, as an HTTP status. */
class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function reject(socket: Duplex, status: number, reason: string, error?: { code: string; message: string }): void {
  const body = JSON.stringify({ error: error ?? { code: status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'invalid_request', message: reason } });
  socket.end(`HTTP/1.1 ${status} ${reason.replace(/[^\x20-\x7e]/g, '')}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function byteLength(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
}

/** The clientMsgId or roomId of an invalid frame, to tell the client which request failed. */
function refOf(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const p = parsed as Record<string, unknown>;
  const ref = p.clientMsgId ?? p.roomId;
  return typeof ref === 'string' ? ref.slice(0, 64) : undefined;
}
