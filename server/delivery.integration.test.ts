import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';

/** A bus that loses every other room message, as a real one may under failure. */
class LossyBus extends MemoryBus implements Bus {
  private n = 0;
  override async publish(channel: string, message: string): Promise<void> {
    if (channel.startsWith('room:') && message.includes('"t":"event"') && this.n++ % 2 === 1) return;
    return super.publish(channel, message);
  }
}

async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('delivery', () => {
  it('fills what the bus lost from the store: every event once, in order', async () => {
    t = await startTestServer({ bus: new LossyBus() });
    const alice = await newUser(t.url, 'a');
    const bob = await newUser(t.url, 'b');
    const { room } = await alice.api.createRoom({ name: `lossy-${randomUUID().slice(0, 8)}` });
    await bob.api.join(room.id);
    const seen: number[] = [];
    bob.live.on('event', (e) => seen.push(e.seq));
    bob.live.watch(room.id, 2);
    bob.live.start();
    await waitFor(() => bob.live.state.status === 'connected', 'bob connected');
    alice.live.start();
    await waitFor(() => alice.live.state.status === 'connected', 'alice connected');
    for (let i = 0; i < 40; i++) await alice.live.send(room.id, `m${i}`);
    // The last message may be the one lost: the next event (a leave) exposes the gap.
    await alice.api.leave(room.id);
    await waitFor(() => seen.length === 41, `41 events, got ${seen.length}`);
    expect(seen).toEqual(Array.from({ length: 41 }, (_, i) => i + 3));
    alice.live.stop();
    bob.live.stop();
  });

  it('drops a peer that stops answering pings', async () => {
    t = await startTestServer({ heartbeatMs: 50 });
    const alice = await newUser(t.url, 'p');
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${alice.session.tokens.accessToken}` } });
    await new Promise((resolve) => ws.once('open', resolve));
    await waitFor(() => t?.server.gateway.size === 1, 'the socket to register');
    // Stop reading: pings go unanswered, as with a peer whose network vanished.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await waitFor(() => t?.server.gateway.size === 0, 'the dead peer to be dropped');
    ws.terminate();
  });

  it('limits sign-in attempts per address', async () => {
    t = await startTestServer({ authRateLimit: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${t.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'nobody', password: 'whatever1' }),
      });
      codes.push(res.status);
      if (i === 3) expect(await res.json()).toMatchObject({ error: { code: 'rate_limited' } });
    }
    expect(codes).toEqual([401, 401, 401, 429]);
  });
});
