import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { newUser } from '../test/support/api.js';
import { startTestServer } from '../test/support/server.js';
import type { TestServer } from '../test/support/server.js';

/** A server that lets each user hold 3 sockets. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ maxSocketsPerUser: 3 });
});
afterAll(async () => {
  await t.stop();
});

/** Opens a socket with the token: the open socket, or the HTTP status of a refused upgrade. */
function open(token: string): Promise<WebSocket | number> {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  return new Promise((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => resolve(ws));
  });
}

const closed = (ws: WebSocket) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve())));

describe('open sockets per user', () => {
  it('refuses a user past the cap with 429, even when opened all at once, counts per user, and frees a slot on close', async () => {
    const a = await newUser(t.url, 'cap');
    const b = await newUser(t.url, 'other');
    const tokenA = a.session.tokens.accessToken;
    const results = await Promise.all(Array.from({ length: 8 }, () => open(tokenA)));
    const sockets = results.filter((r): r is WebSocket => typeof r !== 'number');
    expect(sockets).toHaveLength(3);
    expect(results.filter((r) => r === 429)).toHaveLength(5);
    // Another user is not affected.
    const theirs = await open(b.session.tokens.accessToken);
    expect(theirs).toBeInstanceOf(WebSocket);
    // A closed socket gives its slot back.
    const first = sockets[0] as WebSocket;
    first.close();
    await closed(first);
    await expect.poll(() => t.server.gateway.size).toBe(3);
    const again = await open(tokenA);
    expect(again).toBeInstanceOf(WebSocket);
    for (const ws of [...sockets, theirs, again]) if (typeof ws !== 'number') ws.close();
  });
});
