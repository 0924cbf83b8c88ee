// Baseline: what a Node user would pick instead — Socket.IO (WebSocket transport only), with the Redis
// adapter on the local Redis, or with `--memory` its default in-memory adapter (one process only).
// Clients join a room; each message is emitted to the room.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const inMemory = process.argv.includes('--memory');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const pub = inMemory ? undefined : new Redis(redisUrl);
const sub = pub?.duplicate();
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  ...(pub && sub ? { adapter: createAdapter(pub, sub, { key: `bench-${process.pid}` }) } : {}),
});

io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? '0');
  void socket.join(room);
  socket.on('msg', (body: string) => {
    io.to(room).emit('msg', body);
  });
});

http.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (http.address() as AddressInfo).port }) + '\n');
});
process.on('SIGTERM', () => {
  pub?.disconnect();
  sub?.disconnect();
  process.exit(0);
});
