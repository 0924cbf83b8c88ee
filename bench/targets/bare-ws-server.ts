// Baseline: a bare `ws` broadcast server. Clients join one room (?room=N); each message a client
// sends is serialized once and written to every socket in its room. No auth, no storage: the
// practical limit of a Node WebSocket fan-out on this machine.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

const rooms = new Map<string, Set<WebSocket>>();
const http = createServer();
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 * 1024 });

wss.on('connection', (ws, req) => {
  const room = new URL(req.url ?? '/', 'http://x').searchParams.get('room') ?? '0';
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(ws);
  ws.on('message', (data) => {
    const frame = JSON.stringify({ type: 'message', room, body: data.toString() });
    for (const peer of members) peer.send(frame);
  });
  ws.on('close', () => members.delete(ws));
});

http.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (http.address() as AddressInfo).port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
