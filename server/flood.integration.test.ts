import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** How many times the server called each store operation so far, read from its own /metrics. */
async function storeCalls(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^chat_store_operation_seconds_count\{operation="(\w+)"\} (\d+)$/gm)) counts[m[1] as string] = Number(m[2]);
  return counts;
}

/** Store reads a subscribe can cause: membership checks and the feed set-up of a room. */
const SUBSCRIBE_WORK = ['getMembership', 'membershipsOf', 'membershipsOfMany', 'headSeq', 'listEvents'];
const subscribeWork = (before: Record<string, number>, after: Record<string, number>) =>
  SUBSCRIBE_WORK.reduce((sum, op) => sum + (after[op] ?? 0) - (before[op] ?? 0), 0);

/** A raw socket that records every frame it gets and how it closed. */
async function rawSocket(url: string, accessToken: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${accessToken}` } });
  const frames: { type: string; code?: string; ref?: string; roomIds?: string[] }[] = [];
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, frames, closed };
}

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const randomRooms = (n: number) => Array.from({ length: n }, () => ({ roomId: randomUUID(), sinceSeq: 0 }));

// Each test starts a server and hundreds of frames; on two loaded cores one takes 20–30 s.
describe('flood control', { timeout: 90_000 }, () => {
  it('answers a subscribe of 500 rooms the user is not in with one membership query and one error frame', async () => {
    t = await startTestServer();
    const mallory = await newUser(t.url, 'm');
    const s = await rawSocket(t.url, mallory.session.tokens.accessToken);
    const before = await storeCalls(t.url);
    const rooms = randomRooms(500);
    s.ws.send(JSON.stringify({ type: 'subscribe', rooms }));
    await waitFor(() => s.frames.some((f) => f.type === 'error'), 'the refusal');
    // Give any further per-room answers the chance to arrive before counting.
    s.ws.send(JSON.stringify({ type: 'unsubscribe', roomIds: [randomUUID()] }));
    await waitFor(() => s.frames.some((f) => f.type === 'unsubscribed'), 'the unsubscribe answer');
    const after = await storeCalls(t.url);
    expect(subscribeWork(before, after)).toBe(1);
    const errors = s.frames.filter((f) => f.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'forbidden' });
    expect(new Set(errors[0]?.roomIds)).toEqual(new Set(rooms.map((r) => r.roomId)));
    s.ws.close();
  });

  it('closes a socket that floods subscribe frames with 4029, after a bounded number of error frames and of store reads', async () => {
    t = await startTestServer();
    const mallory = await newUser(t.url, 'm');
    const before = await storeCalls(t.url);
    const s = await rawSocket(t.url, mallory.session.tokens.accessToken);
    for (let i = 0; i < 30; i++) s.ws.send(JSON.stringify({ type: 'subscribe', rooms: randomRooms(500) }));
    expect(await s.closed).toBe(4029);
    const errors = s.frames.filter((f) => f.type === 'error');
    // At most one rate_limited warning (the close may overtake it), and one forbidden answer per frame
    // that was admitted (a burst's worth: two frames).
    expect(errors.filter((f) => f.code === 'rate_limited').length).toBeLessThanOrEqual(1);
    expect(errors.filter((f) => f.code === 'forbidden').length).toBeLessThanOrEqual(2);
    expect(errors.length).toBeLessThanOrEqual(3);
    const after = await storeCalls(t.url);
    expect(subscribeWork(before, after)).toBeLessThanOrEqual(4);
  });

  it('counts a user’s sockets together: a second socket of the flooding user is refused too, another user is not', async () => {
    // Refills too slow to matter within the test: what is admitted is the bursts alone.
    t = await startTestServer({ frameBudget: { socket: { burst: 1_100, perSecond: 1 }, user: { burst: 1_600, perSecond: 1 } } });
    const mallory = await newUser(t.url, 'm');
    const bob = await newUser(t.url, 'b');
    const { room } = await bob.api.createRoom({ name: `calm-${randomUUID().slice(0, 8)}` });
    const m1 = await rawSocket(t.url, mallory.session.tokens.accessToken);
    const m2 = await rawSocket(t.url, mallory.session.tokens.accessToken);
    const b = await rawSocket(t.url, bob.session.tokens.accessToken);
    // Each socket alone stays under its own limit (1,100); together they pass the user's (1,600).
    for (let i = 0; i < 2; i++) m1.ws.send(JSON.stringify({ type: 'subscribe', rooms: randomRooms(500) }));
    await waitFor(() => m1.frames.filter((f) => f.type === 'error').length >= 2, 'the first socket’s answers');
    for (let i = 0; i < 2; i++) m2.ws.send(JSON.stringify({ type: 'subscribe', rooms: randomRooms(500) }));
    // The refusal is answered at once, before parsing; the admitted frame's answer after its store read.
    await waitFor(() => m2.frames.some((f) => f.code === 'rate_limited') && m2.frames.some((f) => f.code === 'forbidden'), 'the second socket’s answer, then its refusal by the user’s limit');
    expect(m1.frames.filter((f) => f.code === 'rate_limited')).toEqual([]);
    expect(m2.frames.filter((f) => f.code === 'forbidden')).toHaveLength(1);
    // Bob is untouched: his frames are admitted and answered.
    const clientMsgId = randomUUID();
    b.ws.send(JSON.stringify({ type: 'subscribe', rooms: [{ roomId: room.id, sinceSeq: 0 }] }));
    b.ws.send(JSON.stringify({ type: 'send', roomId: room.id, clientMsgId, body: 'still here' }));
    await waitFor(() => b.frames.some((f) => f.type === 'ack'), 'bob’s ack');
    expect(b.frames.filter((f) => f.type === 'error')).toEqual([]);
    for (const s of [m1, m2, b]) s.ws.close();
  });
});
