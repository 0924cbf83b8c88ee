import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser } from '../test/support/api.js';
import { eventually } from '../test/support/binaries.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ authRateLimit: 2 });
});
afterAll(async () => {
  await t.stop();
});

/** One sample's value from the Prometheus text format. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}

describe('/metrics', () => {
  it('counts connections, frames, messages, deliveries, their latency, rate limits and store calls', async () => {
    const alice = await newUser(t.url, 'alice');
    const room = (await alice.api.createRoom({ name: `m${randomUUID().slice(0, 8)}` })).room;
    alice.live.watch(room.id, 1);
    let delivered = 0;
    alice.live.on('event', () => (delivered += 1));
    alice.live.start();
    await eventually(() => (alice.live.state.status === 'connected' ? true : undefined), 'the socket');
    await alice.live.send(room.id, 'one');
    await alice.live.send(room.id, 'two');
    await eventually(() => (delivered >= 2 ? true : undefined), 'the deliveries');
    // The sign-in limit is 2 a minute here; registering used one, so the second of these is refused.
    for (let i = 0; i < 2; i++) await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"x","password":"y"}' });

    const res = await fetch(`${t.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(sample(text, 'chat_ws_connections')).toBe(1);
    expect(sample(text, 'chat_messages_total')).toBe(2);
    expect(sample(text, 'chat_fanout_deliveries_total')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'chat_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'chat_ws_frames_received_total')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'chat_ws_frames_sent_total')).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/chat_rate_limited_total\{kind="rest"\} 1\n/);
    expect(text).toMatch(/chat_store_operation_seconds_count\{operation="appendMessages"\} [1-9]/);
    alice.live.stop();
  });
});
