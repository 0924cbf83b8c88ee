import { describe, expect, it } from 'vitest';
import type { EncodedEvent, EncodedFrame } from '../../shared/protocol/index.js';
import { claimsOf } from '../../test/support/claims.js';
import { FakeSocket } from '../../test/support/fake-socket.js';
import { DEFAULT_FRAME_BUDGET } from '../ratelimit/flood-guard.js';
import type { ConnectionSocket } from './connection.js';
import { Connection, FlushScheduler, SharedEvent, SharedFrame } from './connection.js';

const USER = { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'alice' };
/** Serialized text, as the encoders would make it (the flush only joins bytes). */
const ev = (json: string) => new SharedEvent(json as EncodedEvent);
const fr = (json: string) => json as EncodedFrame;
const tick = () => new Promise((r) => setImmediate(r));

function connection(ws: FakeSocket, maxBufferedBytes = 1024) {
  return new Connection('c1', ws as unknown as ConnectionSocket, USER, claimsOf(USER, USER.id), { maxBufferedBytes, frameBudget: DEFAULT_FRAME_BUDGET, scheduler: new FlushScheduler() });
}

describe('Connection', () => {
  it('sends a lone event as an event frame', async () => {
    const ws = new FakeSocket();
    connection(ws).sendEvent(ev('{"seq":1}'));
    await tick();
    expect(ws.sent).toEqual(['{"type":"event","event":{"seq":1}}']);
  });

  it('coalesces the events of one tick into one batch frame, keeping other frames in order', async () => {
    const ws = new FakeSocket();
    const c = connection(ws);
    c.sendEvent(ev('{"seq":1}'));
    c.sendEvent(ev('{"seq":2}'));
    c.sendFrame(fr('{"type":"subscribed"}'));
    c.sendEvent(ev('{"seq":3}'));
    await tick();
    expect(ws.sent).toEqual(['{"type":"batch","events":[{"seq":1},{"seq":2}]}', '{"type":"subscribed"}', '{"type":"event","event":{"seq":3}}']);
    expect(JSON.parse(ws.sent[0] as string).events).toHaveLength(2);
  });

  it('frames an event, or the same run of events, once for every socket it goes to, as bytes', async () => {
    const [a, b, c] = [ev('{"seq":1}'), ev('{"seq":2}'), ev('{"seq":3}')];
    const scheduler = new FlushScheduler();
    const sockets = Array.from({ length: 3 }, () => new FakeSocket());
    const conns = sockets.map((ws) => new Connection('c', ws as unknown as ConnectionSocket, USER, claimsOf(USER, USER.id), { maxBufferedBytes: 1024, frameBudget: DEFAULT_FRAME_BUDGET, scheduler }));
    for (const conn of conns) conn.sendEvent(a);
    await tick();
    for (const conn of conns.slice(0, 2)) {
      conn.sendEvent(b);
      conn.sendEvent(c);
    }
    (conns[2] as Connection).sendEvent(b);
    await tick();
    const [first, second, third] = sockets.map((ws) => ws.raw);
    expect(first?.[0]).toBeInstanceOf(Buffer);
    expect(second?.[0]).toBe(first?.[0]);
    expect(third?.[0]).toBe(first?.[0]);
    expect(second?.[1]).toBe(first?.[1]);
    expect(sockets[0]?.sent).toEqual(['{"type":"event","event":{"seq":1}}', '{"type":"batch","events":[{"seq":2},{"seq":3}]}']);
    expect(sockets[2]?.sent).toEqual(['{"type":"event","event":{"seq":1}}', '{"type":"event","event":{"seq":2}}']);
    // Shared bytes still go out as text frames: a browser gives scripts a binary frame as a Blob.
    expect(sockets.flatMap((ws) => ws.binary)).not.toContain(true);
  });

  it('frames a shared frame (typing, presence) once for every socket, in order with events and own frames', async () => {
    const typing = new SharedFrame(fr('{"type":"typing","state":"start","name":"zoë 東京"}'));
    const scheduler = new FlushScheduler();
    const sockets = Array.from({ length: 3 }, () => new FakeSocket());
    const conns = sockets.map((ws) => new Connection('c', ws as unknown as ConnectionSocket, USER, claimsOf(USER, USER.id), { maxBufferedBytes: 1024, frameBudget: DEFAULT_FRAME_BUDGET, scheduler }));
    const [a, b] = [ev('{"seq":1}'), ev('{"seq":2}')];
    for (const conn of conns) {
      conn.sendEvent(a);
      conn.sendShared(typing);
      conn.sendEvent(b);
      conn.sendFrame(fr('{"type":"ack"}'));
    }
    await tick();
    for (const ws of sockets) {
      // The shared frame breaks the run: the events on either side go out as their own frames.
      expect(ws.sent).toEqual(['{"type":"event","event":{"seq":1}}', '{"type":"typing","state":"start","name":"zoë 東京"}', '{"type":"event","event":{"seq":2}}', '{"type":"ack"}']);
      expect(ws.binary).toEqual([false, false, false, false]);
    }
    expect(sockets[1]?.raw[1]).toBe(sockets[0]?.raw[1]);
    expect(sockets[2]?.raw[1]).toBe(sockets[0]?.raw[1]);
  });

  it('lets the shared frame go after the round, so an event kept in memory holds no frame bytes', async () => {
    const [a, b] = [ev('{"seq":1}'), ev('{"seq":2}')];
    const scheduler = new FlushScheduler();
    const sockets = Array.from({ length: 3 }, () => new FakeSocket());
    const conns = sockets.map((ws) => new Connection('c', ws as unknown as ConnectionSocket, USER, claimsOf(USER, USER.id), { maxBufferedBytes: 1024, frameBudget: DEFAULT_FRAME_BUDGET, scheduler }));
    for (const conn of conns.slice(0, 2)) {
      conn.sendEvent(a);
      conn.sendEvent(b);
    }
    await tick();
    (conns[2] as Connection).sendEvent(a);
    (conns[2] as Connection).sendEvent(b);
    await tick();
    const [first, second, third] = sockets.map((ws) => ws.raw[0]);
    expect(second).toBe(first);
    // The same run a round later is framed anew: the first round's bytes were not kept.
    expect(third).not.toBe(first);
    expect(String(third)).toBe(String(first));
  });

  it('cuts a slow consumer whose buffer passed the limit instead of buffering more', async () => {
    const ws = new FakeSocket();
    const c = connection(ws, 1024);
    ws.bufferedAmount = 2048;
    c.sendEvent(ev('{"seq":1}'));
    await tick();
    expect(ws.sent).toEqual([]);
    expect(ws.closed?.code).toBe(4008);
  });

  it('sends nothing once the socket is closed', async () => {
    const ws = new FakeSocket();
    const c = connection(ws);
    c.sendEvent(ev('{"seq":1}'));
    ws.readyState = 3;
    await tick();
    c.sendFrame(fr('{}'));
    await tick();
    expect(ws.sent).toEqual([]);
  });
});
