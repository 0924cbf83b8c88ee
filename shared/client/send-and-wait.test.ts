import { describe, expect, it } from 'vitest';
import { fakeE2E, FakeServer, FakeSocket, ME, DEVICE, room } from '../../test/support/fake-chat-server.js';
import type { Clock } from './live-client.js';
import { LiveClient } from './live-client.js';
import { sendAndWait } from './send-and-wait.js';

const OPEN = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const SECRET = '4f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8e';

/** A live client on the fake server; reconnect timers run at once (the clock is not under test). */
function liveOn(server: FakeServer) {
  const clock: Clock = { now: () => 0, setTimeout: (fn) => setTimeout(fn, 0), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
  return new LiveClient({
    api: server.api(),
    clock,
    createSocket: () => {
      const s = new FakeSocket(server);
      if (server.down) setTimeout(() => s.close(1006, 'refused'), 0);
      else {
        server.sockets.push(s);
        setTimeout(() => s.serve({ type: 'ready', user: ME, deviceId: DEVICE, connectionId: 'c' }), 0);
      }
      return s;
    },
  });
}

describe('sendAndWait', () => {
  it.each([
    ['an open room', OPEN, 'open'],
    ['a private room', SECRET, 'private'],
  ] as const)('sends to %s over the socket and resolves with the ack', async (_label, id, visibility) => {
    const server = new FakeServer();
    server.addRoom(room(id, visibility));
    const live = liveOn(server);
    const { e2e, encrypted } = fakeE2E();
    const ack = await sendAndWait({ live, e2e, room: room(id, visibility), text: 'one shot' });
    expect(ack).toMatchObject({ roomId: id, seq: 1 });
    const frame = server.sockets[0]?.sent.find((f) => f.type === 'send');
    if (visibility === 'private') {
      expect(frame.body).toBeUndefined();
      expect(frame.envelope).toMatchObject({ clientMsgId: ack.clientMsgId });
      expect(encrypted).toEqual(['one shot']);
    } else {
      expect(frame).toMatchObject({ body: 'one shot', clientMsgId: ack.clientMsgId });
    }
    expect(live.state.status).toBe('closed');
  });

  it('rejects with the server\'s refusal', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    server.refuseNext = 'forbidden';
    await expect(sendAndWait({ live: liveOn(server), room: room(OPEN, 'open'), text: 'let me in' })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('gives up with unavailable when the socket cannot be opened, and sends nothing later', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    server.down = true;
    const live = liveOn(server);
    await expect(sendAndWait({ live, room: room(OPEN, 'open'), text: 'anyone?', attempts: 3 })).rejects.toMatchObject({ code: 'unavailable' });
    expect(live.state.status).toBe('closed');
    server.down = false;
    await new Promise((r) => setTimeout(r, 20));
    expect(server.sockets).toEqual([]);
  });

  it('sends under the clientMsgId given, and says when the server had stored it before', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    const clientMsgId = '5f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8f';
    const first = await sendAndWait({ live: liveOn(server), room: room(OPEN, 'open'), text: 'once', clientMsgId });
    expect(first).toMatchObject({ clientMsgId, duplicate: false });
    const again = await sendAndWait({ live: liveOn(server), room: room(OPEN, 'open'), text: 'once', clientMsgId });
    expect(again).toMatchObject({ clientMsgId, seq: first.seq, duplicate: true });
    expect(server.storedCount(clientMsgId)).toBe(1);
  });

  it('does not call onWritten when the socket never opened', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    server.down = true;
    let written = false;
    const sending = sendAndWait({ live: liveOn(server), room: room(OPEN, 'open'), text: 'anyone?', attempts: 2, onWritten: () => (written = true) });
    // Said in words, with what to do: not "(2 attempts)".
    await expect(sending).rejects.toMatchObject({ code: 'unavailable', message: 'cannot reach the server after 2 attempts (check your network connection, or whether the server is up)' });
    expect(written).toBe(false);
  });

  it('gives up with unavailable after the frame was written and the connection kept failing before the ack, having called onWritten', async () => {
    const server = new FakeServer();
    server.addRoom(room(OPEN, 'open'));
    const clientMsgId = '6f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8f';
    const live = liveOn(server);
    let written = 0;
    // The server stores the send, and the connection drops before its ack is read.
    const original = server.onFrame.bind(server);
    server.onFrame = (socket, frame) => {
      if (frame.type !== 'send') return original(socket, frame);
      server.answer = false;
      original(socket, frame);
      setTimeout(() => socket.close(1006, 'gone'), 0);
    };
    const sending = sendAndWait({ live, room: room(OPEN, 'open'), text: 'maybe', clientMsgId, attempts: 3, onWritten: () => (written += 1) });
    await expect(sending).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/connection failed 3 times before the server acknowledged/) });
    expect(written).toBe(1);
    // Every reconnect re-sent the same clientMsgId.
    const sends = server.sockets.flatMap((s) => s.sent.filter((f) => f.type === 'send'));
    expect(sends.length).toBeGreaterThan(1);
    expect(new Set(sends.map((f) => f.clientMsgId))).toEqual(new Set([clientMsgId]));
  });

  it('gives up with unavailable when the ack does not come within ackTimeoutMs', async () => {
    const server = new FakeServer();
    server.addRoom(room(SECRET, 'private'));
    server.answer = false;
    const { e2e, encrypted } = fakeE2E();
    let written = false;
    const sending = sendAndWait({ live: liveOn(server), e2e, room: room(SECRET, 'private'), text: 'silence', ackTimeoutMs: 5, onWritten: () => (written = true) });
    await expect(sending).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/did not acknowledge/) });
    expect(written).toBe(true);
    expect(encrypted).toEqual(['silence']);
  });
});
