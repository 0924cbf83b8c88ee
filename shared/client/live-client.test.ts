import { describe, expect, it } from 'vitest';
import type { HistoryPage, RoomEvent } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import type { Clock, SocketLike } from './live-client.js';
import { LiveClient } from './live-client.js';

const ROOM = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const USER = { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'alice' };

function event(seq: number): RoomEvent {
  const hex = seq.toString(16).padStart(12, '0');
  return { id: `00000000-0000-4000-8000-${hex}`, roomId: ROOM, seq, kind: 'message', sender: USER, body: `m${seq}`, envelope: null, target: null, clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z' };
}

/** An in-memory socket: the test plays the server. */
class FakeSocket implements SocketLike {
  readyState = 1;
  sent: any[] = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string, readonly headers: Record<string, string>) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  serve(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

function setup(stored: RoomEvent[] = [], apiOverrides: Record<string, unknown> = {}) {
  const sockets: FakeSocket[] = [];
  const historyCalls: { after?: number; limit?: number }[] = [];
  const timers: { at: number; fn: () => void }[] = [];
  let now = 0;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => timers.push({ at: now + ms, fn }),
    clearTimeout: () => {},
  };
  const api = {
    serverUrl: 'http://chat.test',
    freshSession: async () => ({ accessToken: 'token' }),
    session: async () => ({ accessToken: 'token' }),
    msUntilRenewal: () => 10 * 60_000,
    history: async (_room: string, q: { after?: number; limit?: number }): Promise<HistoryPage> => {
      historyCalls.push(q);
      const events = stored.filter((e) => e.seq > (q.after ?? 0)).slice(0, q.limit ?? 50);
      return { events, headSeq: stored.length, hasMore: false };
    },
    ...apiOverrides,
  } as unknown as ApiClient;
  const live = new LiveClient({ api, clock, random: () => 0.5, createSocket: (url, headers) => {
    const s = new FakeSocket(url, headers);
    sockets.push(s);
    return s;
  } });
  const received: number[] = [];
  live.on('event', (e) => received.push(e.seq));
  const states: string[] = [];
  live.on('state', (s) => states.push(s.status));
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const advance = async (ms: number) => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    for (const t of due) timers.splice(timers.indexOf(t), 1);
    for (const t of due) t.fn();
    await flush();
  };
  const ready = (s: FakeSocket) => s.serve({ type: 'ready', user: USER, deviceId: USER.id, connectionId: 'c' });
  return { live, sockets, historyCalls, received, states, flush, advance, ready, now: () => now };
}

describe('LiveClient', () => {
  it('opens the socket with the access token and subscribes from the watched position', async () => {
    const t = setup();
    t.live.watch(ROOM, 7);
    t.live.start();
    await t.flush();
    expect(t.sockets[0]?.url).toBe('ws://chat.test/ws');
    expect(t.sockets[0]?.headers).toEqual({ authorization: 'Bearer token' });
    t.ready(t.sockets[0] as FakeSocket);
    expect(t.sockets[0]?.sent).toEqual([{ type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 7 }] }]);
    expect(t.states).toEqual(['connecting', 'connected']);
  });

  it('delivers each event once and in order, batches included', async () => {
    const t = setup();
    t.live.watch(ROOM, 0);
    t.live.start();
    await t.flush();
    const s = t.sockets[0] as FakeSocket;
    t.ready(s);
    s.serve({ type: 'event', event: event(1) });
    s.serve({ type: 'batch', events: [event(2), event(2), event(3)] });
    s.serve({ type: 'event', event: event(1) });
    await t.flush();
    expect(t.received).toEqual([1, 2, 3]);
    expect(t.historyCalls).toEqual([]);
  });

  it('fills a gap from history before delivering what came after it', async () => {
    const stored = [1, 2, 3, 4, 5].map(event);
    const t = setup(stored);
    t.live.watch(ROOM, 1);
    t.live.start();
    await t.flush();
    const s = t.sockets[0] as FakeSocket;
    t.ready(s);
    s.serve({ type: 'event', event: event(5) });
    s.serve({ type: 'event', event: event(4) });
    await t.flush();
    expect(t.received).toEqual([2, 3, 4, 5]);
    expect(t.historyCalls[0]).toMatchObject({ after: 1 });
  });

  it('pages history when the server could not backfill (recovered: false)', async () => {
    const stored = Array.from({ length: 450 }, (_, i) => event(i + 1));
    const t = setup(stored);
    t.live.watch(ROOM, 0);
    t.live.start();
    await t.flush();
    const s = t.sockets[0] as FakeSocket;
    t.ready(s);
    s.serve({ type: 'subscribed', roomId: ROOM, headSeq: 450, recovered: false });
    await t.flush();
    await t.flush();
    expect(t.received).toEqual(stored.map((e) => e.seq));
    expect(t.historyCalls.length).toBeGreaterThan(1);
  });

  it('reconnects with backoff, resumes from the last seq and re-sends unacknowledged messages with the same clientMsgId', async () => {
    const t = setup();
    t.live.watch(ROOM, 0);
    t.live.start();
    await t.flush();
    const first = t.sockets[0] as FakeSocket;
    t.ready(first);
    first.serve({ type: 'event', event: event(1) });
    await t.flush();
    const sent = t.live.send(ROOM, 'are you there?', '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c');
    expect(first.sent.at(-1)).toMatchObject({ type: 'send', clientMsgId: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c' });
    first.close(1006, 'gone');
    expect(t.live.state).toMatchObject({ status: 'reconnecting', attempt: 1, retryAt: 375 });
    await t.advance(374);
    expect(t.sockets).toHaveLength(1);
    await t.advance(1);
    const second = t.sockets[1] as FakeSocket;
    t.ready(second);
    expect(second.sent).toEqual([
      { type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 1 }] },
      { type: 'send', roomId: ROOM, clientMsgId: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c', body: 'are you there?' },
    ]);
    second.serve({ type: 'ack', roomId: ROOM, clientMsgId: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c', id: event(2).id, seq: 2 });
    await expect(sent).resolves.toMatchObject({ seq: 2 });
    expect(t.live.state).toEqual({ status: 'connected' });
  });

  it('tells each loss of the connection once: a retry does not announce its reconnecting state again', async () => {
    const t = setup();
    const states: string[] = [];
    t.live.on('state', (state) => states.push(state.status === 'reconnecting' ? `reconnecting ${state.attempt}` : state.status));
    t.live.start();
    await t.flush();
    const first = t.sockets[0] as FakeSocket;
    t.ready(first);
    first.close(1006, 'gone');
    await t.advance(375);
    const second = t.sockets[1] as FakeSocket;
    second.close(1006, 'gone again');
    await t.advance(10_000);
    t.ready(t.sockets[2] as FakeSocket);
    expect(states).toEqual(['connecting', 'connected', 'reconnecting 1', 'reconnecting 2', 'connected']);
  });

  it('retries at most 4 s apart after the server said it was going away (a restart), and with the usual growth after any other loss', async () => {
    const delays = async (code: number): Promise<number[]> => {
      const t = setup();
      t.live.start();
      await t.flush();
      t.ready(t.sockets[0] as FakeSocket);
      (t.sockets[0] as FakeSocket).close(code, 'gone');
      const seen: number[] = [];
      for (let i = 1; i <= 8; i++) {
        const state = t.live.state as { status: string; retryAt: number };
        expect(state.status).toBe('reconnecting');
        const wait = state.retryAt - t.now();
        seen.push(wait);
        await t.advance(wait);
        (t.sockets[i] as FakeSocket).close(1006, 'refused');
      }
      return seen;
    };
    // random() is 0.5: three quarters of each nominal delay.
    expect(await delays(1001)).toEqual([188, 375, 750, 1_500, 3_000, 3_000, 3_000, 3_000]);
    expect(await delays(1006)).toEqual([375, 750, 1_500, 3_000, 6_000, 12_000, 22_500, 22_500]);
  });

  it('stops for good when the server revokes the session', async () => {
    const t = setup();
    const errors: string[] = [];
    t.live.on('error', (e) => errors.push(e.code));
    t.live.start();
    await t.flush();
    (t.sockets[0] as FakeSocket).close(4001, 'session revoked');
    await t.advance(60_000);
    expect(t.sockets).toHaveLength(1);
    expect(errors).toEqual(['session_revoked']);
    expect(t.live.state).toMatchObject({ status: 'closed', reason: { code: 'session_revoked' } });
  });

  it('refreshes and reconnects at once, without backoff, when the server closes the socket because its token expired', async () => {
    const renewed: string[] = [];
    const t = setup([], {
      renewSession: async (stale: string) => {
        renewed.push(stale);
        return { accessToken: 'token2' };
      },
    });
    t.live.start();
    await t.flush();
    t.ready(t.sockets[0] as FakeSocket);
    (t.sockets[0] as FakeSocket).close(4002, 'access token expired');
    await t.advance(0);
    expect(renewed).toEqual(['token']);
    expect(t.sockets[1]?.headers).toEqual({ authorization: 'Bearer token2' });
    t.ready(t.sockets[1] as FakeSocket);
    expect(t.live.state).toEqual({ status: 'connected' });
  });

  it('renews the socket with a reauth frame shortly before its token expires, and again after each renewal', async () => {
    let current = 'token';
    const t = setup([], {
      freshSession: async () => ({ accessToken: current }),
      session: async () => ({ accessToken: current }),
      msUntilRenewal: () => 60_000,
    });
    t.live.start();
    await t.flush();
    const s = t.sockets[0] as FakeSocket;
    t.ready(s);
    await t.flush();
    current = 'token2';
    await t.advance(60_000);
    expect(s.sent).toContainEqual({ type: 'reauth', accessToken: 'token2' });
    s.serve({ type: 'reauthed', expiresAt: '2026-11-25T10:15:00.000Z' });
    await t.flush();
    current = 'token3';
    await t.advance(60_000);
    expect(s.sent).toContainEqual({ type: 'reauth', accessToken: 'token3' });
    expect(t.sockets).toHaveLength(1);
  });

  it('rejects a send the server refuses, by its clientMsgId', async () => {
    const t = setup();
    t.live.start();
    await t.flush();
    const s = t.sockets[0] as FakeSocket;
    t.ready(s);
    const sent = t.live.send(ROOM, 'x', '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c');
    s.serve({ type: 'error', code: 'forbidden', message: 'not a member', ref: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c' });
    await expect(sent).rejects.toMatchObject({ code: 'forbidden' });
  });
});
