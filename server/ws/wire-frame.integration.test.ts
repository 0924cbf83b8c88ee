import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrame } from './connection.js';
import { GatewaySocket } from './gateway.js';

// The frames a Connection writes itself (textFrame, through GatewaySocket.writeWireFrame) against a real
// ws client: every length class of RFC 6455's header, multi-byte UTF-8, and frames interleaved with ws's own.
describe('textFrame through writeWireFrame', () => {
  let server: WebSocketServer | undefined;
  let client: WebSocket | undefined;
  afterEach(async () => {
    client?.terminate();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  /** A server whose one socket is a GatewaySocket (as the gateway's are), and a client connected to it. */
  async function pair(): Promise<{ socket: GatewaySocket; received: { text: string; binary: boolean }[]; pings: { count: number } }> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, WebSocket: GatewaySocket });
    server = wss;
    await new Promise((resolve) => wss.once('listening', resolve));
    const connected = new Promise<GatewaySocket>((resolve) => wss.once('connection', (ws) => resolve(ws as GatewaySocket)));
    const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
    client = ws;
    const received: { text: string; binary: boolean }[] = [];
    const pings = { count: 0 };
    ws.on('message', (data, binary) => received.push({ text: data.toString(), binary }));
    ws.on('ping', () => pings.count++);
    await new Promise((resolve) => ws.once('open', resolve));
    return { socket: await connected, received, pings };
  }

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('arrives as text, whole, for every length class and multi-byte characters across the boundaries', async () => {
    const { socket, received } = await pair();
    // Lengths in bytes around 126 and 65,536, made of 1-, 3- and 4-byte characters so that characters and
    // bytes differ; and an empty payload.
    const texts = ['', 'a', 'x'.repeat(125), 'x'.repeat(126), 'é'.repeat(63), '漢'.repeat(42), 'x'.repeat(65_535), 'x'.repeat(65_536), '😀'.repeat(20_000), 'x'.repeat(70_000) + '¿'];
    for (const text of texts) socket.writeWireFrame(textFrame(text));
    await until(() => received.length === texts.length);
    expect(received.map((r) => r.text)).toEqual(texts);
    expect(received.some((r) => r.binary)).toBe(false);
  });

  it('keeps its order with frames ws writes itself (send, ping)', async () => {
    const { socket, received, pings } = await pair();
    socket.send('{"n":1}');
    socket.writeWireFrame(textFrame('{"n":2}'));
    socket.ping();
    socket.send('{"n":3}');
    socket.writeWireFrame(textFrame('{"n":4}'));
    await until(() => received.length === 4 && pings.count === 1);
    expect(received.map((r) => r.text)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    expect(pings.count).toBe(1);
    expect(socket.bufferedAmount).toBe(0);
  });
});
