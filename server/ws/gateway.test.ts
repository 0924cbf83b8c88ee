import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { UserRef } from '../../shared/protocol/index.js';
import { ChatError, CloseCode, ServerFrame, TYPING_TTL_MS, WS_PATH } from '../../shared/protocol/index.js';
import { FakeRoomStore } from '../../test/support/fake-room-store.js';
import { Channels } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { publishControl } from '../bus/messages.js';
import { MemoryPresence } from '../presence/memory-presence.js';
import type { Presence } from '../presence/presence.js';
import { DEFAULT_FRAME_BUDGET } from '../ratelimit/flood-guard.js';
import type { AuthService } from '../services/auth-service.js';
import type { MessageService } from '../services/message-service.js';
import type { SessionGuard } from '../services/session-guard.js';
import { TokenIssuer } from '../services/tokens.js';
import { Gateway } from './gateway.js';

const ROOM = randomUUID();
const ALICE: UserRef = { id: randomUUID(), username: 'alice' };
const BOB: UserRef = { id: randomUUID(), username: 'bob' };

/** One test socket: every frame decoded by the client's schema, in order; `next` waits for one of a type. */
class Client {
  readonly frames: ServerFrame[] = [];
  readonly invalid: string[] = [];
  private cursor = 0;
  private waiter: (() => void) | undefined;
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const parsed = ServerFrame.safeParse(JSON.parse(String(data)));
      if (parsed.success) this.frames.push(parsed.data);
      else this.invalid.push(String(data));
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame of this type after the last one taken; the frames skipped are kept in `frames`. */
  async next<T extends ServerFrame['type']>(type: T): Promise<Extract<ServerFrame, { type: T }>> {
    for (;;) {
      while (this.cursor < this.frames.length) {
        const frame = this.frames[this.cursor++] as ServerFrame;
        if (frame.type === type) return frame as Extract<ServerFrame, { type: T }>;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Types of every frame received so far. */
  types(): string[] {
    return this.frames.map((f) => f.type);
  }
}

interface Harness {
  readonly fake: FakeRoomStore;
  readonly bus: MemoryBus;
  readonly tokens: TokenIssuer;
  readonly sends: unknown[][];
  connect(user: UserRef, deviceId?: string, options?: { autoPong?: boolean }): Promise<Client>;
}

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  stops = [];
});

/**
 * A gateway over the memory bus, a fake store (alice and bob in ROOM, two events) and a fake message
 * service (`send` answers with `answer`, or throws what it gives), served by a real ws on port 0. The
 * log (debug and up) goes to `logLines` when given.
 */
async function harness(
  answer: () => Promise<unknown> = async () => ({ id: randomUUID(), seq: 3, duplicate: false }),
  logLines?: string[],
  presence: Presence = new MemoryPresence(),
  heartbeatMs = 3_600_000,
): Promise<Harness> {
  const fake = new FakeRoomStore();
  fake.addMember(ROOM, ALICE);
  fake.addMember(ROOM, BOB);
  fake.append(ROOM, 'join', ALICE);
  fake.append(ROOM, 'join', BOB);
  const bus = new MemoryBus();
  const tokens = new TokenIssuer('test-secret-test-secret-test-secret-0123');
  const sends: unknown[][] = [];
  const guard = { isLive: async () => true, invalidate: () => {}, clear: () => {} } as unknown as SessionGuard;
  const messages = { send: async (...args: unknown[]) => (sends.push(args), answer()) } as unknown as MessageService;
  const gateway = new Gateway({
    store: fake.store,
    bus,
    presence,
    auth: {} as AuthService,
    tokens,
    guard,
    messages,
    logger: logLines ? pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }) : pino({ level: 'silent' }),
    isOriginAllowed: () => true,
    heartbeatMs,
    connection: { maxBufferedBytes: 1 << 20, frameBudget: DEFAULT_FRAME_BUDGET },
    now: Date.now,
  });
  await gateway.start();
  const http: Server = createServer();
  http.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const clients: Client[] = [];
  stops.push(async () => {
    for (const c of clients) c.ws.close();
    await gateway.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    for (const c of clients) expect(c.invalid, 'frames the client schema refuses').toEqual([]);
  });
  return {
    fake,
    bus,
    tokens,
    sends,
    async connect(user, deviceId = randomUUID(), options = {}) {
      const { token } = tokens.signAccess({ userId: user.id, username: user.username, deviceId, sessionId: randomUUID() });
      const ws = new WebSocket(`ws://127.0.0.1:${port}${WS_PATH}`, { headers: { authorization: `Bearer ${token}` }, ...options });
      const client = new Client(ws);
      clients.push(client);
      await client.next('ready');
      return client;
    },
  };
}

describe('Gateway dispatch', () => {
  it('answers ready, then handles subscribe, send, typing, reauth and unsubscribe with their own frames', async () => {
    const h = await harness();
    const deviceId = randomUUID();
    const alice = await h.connect(ALICE, deviceId);
    expect(alice.frames[0]).toMatchObject({ type: 'ready', user: ALICE, deviceId });
    const bob = await h.connect(BOB);

    alice.send({ type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 0 }] });
    expect(await alice.next('subscribed')).toEqual({ type: 'subscribed', roomId: ROOM, headSeq: 2, recovered: true });
    const backfill = alice.frames.flatMap((f) => (f.type === 'batch' ? f.events : f.type === 'event' ? [f.event] : []));
    expect(backfill.map((e) => e.seq)).toEqual([1, 2]);
    bob.send({ type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 2 }] });
    await bob.next('subscribed');

    const clientMsgId = randomUUID();
    alice.send({ type: 'send', roomId: ROOM, clientMsgId, body: 'hello' });
    expect(await alice.next('ack')).toMatchObject({ type: 'ack', roomId: ROOM, clientMsgId, seq: 3 });
    expect(h.sends).toEqual([[{ ...ALICE, deviceId }, ROOM, { clientMsgId, body: 'hello' }]]);

    alice.send({ type: 'typing', roomId: ROOM, state: 'start' });
    expect(await bob.next('typing')).toEqual({ type: 'typing', roomId: ROOM, user: ALICE, state: 'start', ttlMs: TYPING_TTL_MS });

    const fresh = h.tokens.signAccess({ userId: ALICE.id, username: ALICE.username, deviceId, sessionId: randomUUID() });
    alice.send({ type: 'reauth', accessToken: fresh.token });
    expect(await alice.next('reauthed')).toEqual({ type: 'reauthed', expiresAt: fresh.expiresAt.toISOString() });

    alice.send({ type: 'unsubscribe', roomIds: [ROOM] });
    expect(await alice.next('unsubscribed')).toEqual({ type: 'unsubscribed', roomId: ROOM, reason: 'requested' });
    // Frames of one socket are handled in order: its own typing would have come before this.
    expect(alice.types()).not.toContain('typing');
  });
});

describe('Gateway errors', () => {
  it('answers a refused send with its code, and a failed one with internal, each naming the clientMsgId', async () => {
    const answers = [new ChatError('forbidden', 'you are not a member of this room'), new Error('the database went away')];
    const h = await harness(async () => {
      throw answers.shift();
    });
    const alice = await h.connect(ALICE);
    const [first, second] = [randomUUID(), randomUUID()];
    alice.send({ type: 'send', roomId: ROOM, clientMsgId: first, body: 'a' });
    expect(await alice.next('error')).toEqual({ type: 'error', code: 'forbidden', message: 'you are not a member of this room', ref: first });
    alice.send({ type: 'send', roomId: ROOM, clientMsgId: second, body: 'b' });
    expect(await alice.next('error')).toEqual({ type: 'error', code: 'internal', message: 'internal error', ref: second });
  });

  it.each([
    ['text that is not JSON', 'hello', { code: 'invalid_request', message: 'frames are JSON text' }],
    ['an unknown frame type', { type: 'shout', roomId: ROOM }, { code: 'invalid_request', ref: ROOM }],
    ['typing in a room not subscribed', { type: 'typing', roomId: ROOM, state: 'start' }, { code: 'forbidden', ref: ROOM }],
    ['a subscribe to rooms the user is not in', { type: 'subscribe', rooms: [{ roomId: BOB.id, sinceSeq: 0 }, { roomId: ALICE.id, sinceSeq: 0 }] }, { code: 'forbidden', roomIds: [BOB.id, ALICE.id] }],
  ])('answers %s with an error frame', async (_what, frame, expected) => {
    const h = await harness();
    const alice = await h.connect(ALICE);
    alice.send(frame);
    expect(await alice.next('error')).toMatchObject(expected);
  });

  it("refuses a reauth with another user's token and keeps the socket", async () => {
    const h = await harness();
    const alice = await h.connect(ALICE);
    const bobs = h.tokens.signAccess({ userId: BOB.id, username: BOB.username, deviceId: randomUUID(), sessionId: randomUUID() });
    alice.send({ type: 'reauth', accessToken: bobs.token });
    expect(await alice.next('error')).toMatchObject({ code: 'forbidden', ref: 'reauth' });
    alice.send({ type: 'unsubscribe', roomIds: [ROOM] });
    await alice.next('unsubscribed');
  });
});

describe('Gateway control messages', () => {
  it('tells shares to the named device, rooms to the named user, and presence to the room but not its subject', async () => {
    const h = await harness();
    const aliceDevice = randomUUID();
    const alice = await h.connect(ALICE, aliceDevice);
    const bob = await h.connect(BOB);
    bob.send({ type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 2 }] });
    await bob.next('subscribed');
    alice.send({ type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 2 }] });
    await alice.next('subscribed');

    await publishControl(h.bus, { t: 'shares', deviceIds: [aliceDevice] });
    expect(await alice.next('shares')).toEqual({ type: 'shares' });
    await publishControl(h.bus, { t: 'rooms', userIds: [BOB.id] });
    expect(await bob.next('rooms')).toEqual({ type: 'rooms' });
    await publishControl(h.bus, { t: 'presence', user: ALICE, status: 'offline', lastSeenAt: '2026-11-25T10:00:00.000Z', roomIds: [ROOM] });
    expect(await bob.next('presence')).toEqual({ type: 'presence', user: ALICE, status: 'offline', lastSeenAt: '2026-11-25T10:00:00.000Z' });

    // A frame each sent after the notices comes after anything the notices caused.
    for (const c of [alice, bob]) c.send({ type: 'unsubscribe', roomIds: [ROOM] });
    await Promise.all([alice.next('unsubscribed'), bob.next('unsubscribed')]);
    expect(bob.types()).not.toContain('shares');
    expect(alice.types()).not.toContain('rooms');
    expect(alice.frames.filter((f) => f.type === 'presence' && f.user.id === ALICE.id)).toEqual([]);
  });

  it('drops an invalid control message at debug, passing nothing on, and closes a revoked device with 4001', async () => {
    const lines: string[] = [];
    const h = await harness(undefined, lines);
    const device = randomUUID();
    const alice = await h.connect(ALICE, device);
    const bob = await h.connect(BOB);
    bob.send({ type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 2 }] });
    await bob.next('subscribed');
    await h.bus.publish(Channels.control, JSON.stringify({ t: 'presence', user: ALICE, status: 'away', lastSeenAt: null, roomIds: [ROOM] }));
    await h.bus.publish(Channels.control, JSON.stringify({ t: 'revoke' }));
    await h.bus.publish(Channels.control, '{"type":"shares"}');
    await publishControl(h.bus, { t: 'shares', deviceIds: [device] });
    await alice.next('shares');
    bob.send({ type: 'unsubscribe', roomIds: [ROOM] });
    await bob.next('unsubscribed');
    expect(bob.frames.filter((f) => f.type === 'presence' && f.user.id === ALICE.id)).toEqual([]);
    const dropped = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.msg === 'invalid control message dropped');
    expect(dropped.map((l) => l.level)).toEqual([20, 20, 20]);
    await publishControl(h.bus, { t: 'revoke', deviceId: device });
    expect(await alice.closed).toBe(CloseCode.sessionRevoked);
  });
});

/**
 * Memory presence that, once `hold(n)` was called, keeps the next n `connected` calls waiting and
 * lets them all go in the same microtask, so the gateway announces those users in one turn.
 */
class HeldPresence extends MemoryPresence {
  private held: (() => void)[] = [];
  private expected = 0;

  hold(n: number): void {
    this.expected = n;
  }

  override async connected(userId: string): Promise<boolean> {
    const first = await super.connected(userId);
    if (this.expected === 0) return first;
    await new Promise<void>((resolve) => {
      this.held.push(resolve);
      if (this.held.length < this.expected) return;
      this.expected = 0;
      for (const release of this.held.splice(0)) release();
    });
    return first;
  }
}

describe('Gateway presence', () => {
  it('reads the rooms of every user coming online in one turn with one store query', async () => {
    const presence = new HeldPresence();
    const h = await harness(undefined, undefined, presence);
    const others: UserRef[] = ['carol', 'dave', 'erin'].map((username) => ({ id: randomUUID(), username }));
    for (const u of [...others, ALICE]) h.fake.addMember(ROOM, u);
    const bob = await h.connect(BOB);
    bob.send({ type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 2 }] });
    await bob.next('subscribed');
    const before = h.fake.calls.roomIdsOfUsers ?? 0;

    presence.hold(4);
    await Promise.all([...others, ALICE].map((u) => h.connect(u)));
    const announced = new Set<string>();
    while (announced.size < 4) {
      const frame = await bob.next('presence');
      expect(frame.status).toBe('online');
      announced.add(frame.user.id);
    }
    expect([...announced].sort()).toEqual([...others, ALICE].map((u) => u.id).sort());
    expect((h.fake.calls.roomIdsOfUsers ?? 0) - before).toBe(1);
    expect(h.fake.calls.listRoomsOfUser).toBeUndefined();
  });
});

describe('Gateway heartbeat', () => {
  it('spreads the pings of sockets that connected together over the period, and cuts off one that never answers', async () => {
    // 1 s period: ten turns of 100 ms. Pinging all 30 in one turn held the event loop once per period;
    // with 10,000 sockets on one core that was 150–350 ms in which no message went out.
    const h = await harness(undefined, undefined, undefined, 1_000);
    const clients = await Promise.all(Array.from({ length: 30 }, (_, i) => h.connect({ id: randomUUID(), username: `user${i}` })));
    const pings: number[][] = clients.map(() => []);
    const start = performance.now();
    clients.forEach((c, i) => c.ws.on('ping', () => pings[i]?.push(performance.now() - start)));
    const silent = await h.connect(BOB, randomUUID(), { autoPong: false });
    const cut = silent.closed;
    await new Promise((resolve) => setTimeout(resolve, 1_150));
    // Every socket was pinged, again only a period later, and no 100 ms window held more than a few
    // first pings.
    expect(pings.every((p) => p.length >= 1)).toBe(true);
    for (const p of pings) for (let i = 1; i < p.length; i++) expect((p[i] as number) - (p[i - 1] as number)).toBeGreaterThan(800);
    const windows = new Map<number, number>();
    for (const at of pings.map((p) => p[0] as number)) windows.set(Math.floor(at / 100), (windows.get(Math.floor(at / 100)) ?? 0) + 1);
    expect(Math.max(...windows.values())).toBeLessThanOrEqual(8);
    expect(windows.size).toBeGreaterThanOrEqual(5);
    // The socket that never answered is cut off (1006: no close frame) at its next turn; the others stay.
    expect(await cut).toBe(1006);
    expect(clients.every((c) => c.ws.readyState === WebSocket.OPEN)).toBe(true);
  });

  it('keeps the period while the event loop is busy', async () => {
    // Each 100 ms turn's timer fired late under load and the turns added up: a 25 s period became 27–30 s
    // at moderate load, and past 75 s (a proxy's idle timeout) at 200 ms of delay per turn.
    const h = await harness(undefined, undefined, undefined, 1_000);
    const client = await h.connect(ALICE);
    const pings: number[] = [];
    client.ws.on('ping', () => pings.push(performance.now()));
    const busy = setInterval(() => {
      const until = performance.now() + 150;
      while (performance.now() < until);
    }, 50);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    } finally {
      clearInterval(busy);
    }
    const gaps = pings.slice(1).map((at, i) => at - (pings[i] as number)).sort((a, b) => a - b);
    expect(gaps.length, `pings at ${pings.map((p) => Math.round(p)).join(', ')}`).toBeGreaterThanOrEqual(3);
    // Once a period of 1 s (a turn may come up to one busy spell late), not every ten busy spells.
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(1_300);
  });
});
