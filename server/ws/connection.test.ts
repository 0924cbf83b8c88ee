import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { EncodedEvent, EncodedFrame } from '../../shared/protocol/index.js';
import { DEFAULT_FRAME_BUDGET } from '../ratelimit/flood-guard.js';
import { Connection, FlushScheduler } from './connection.js';

class FakeWs {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closed: { code: number; reason: string } | undefined;
  send(data: string) {
    this.sent.push(data);
  }
  close(code: number, reason: string) {
    this.closed = { code, reason };
    this.readyState = 3;
  }
}

const USER = { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'alice' };
/** Serialized text, as the encoders would make it (the flush only joins bytes). */
const ev = (json: string) => json as EncodedEvent;
const fr = (json: string) => json as EncodedFrame;
const tick = () => new Promise((r) => setImmediate(r));

function connection(ws: FakeWs, maxBufferedBytes = 1024) {
  return new Connection('c1', ws as unknown as WebSocket, USER, USER.id, { maxBufferedBytes, frameBudget: DEFAULT_FRAME_BUDGET, scheduler: new FlushScheduler() });
}

describe('Connection', () => {
  it('sends a lone event as an event frame', async () => {
    const ws = new FakeWs();
    connection(ws).sendEvent(ev('{"seq":1}'));
    await tick();
    expect(ws.sent).toEqual(['{"type":"event","event":{"seq":1}}']);
  });

  it('coalesces the events of one tick into one batch frame, keeping other frames in order', async () => {
    const ws = new FakeWs();
    const c = connection(ws);
    c.sendEvent(ev('{"seq":1}'));
    c.sendEvent(ev('{"seq":2}'));
    c.sendFrame(fr('{"type":"subscribed"}'));
    c.sendEvent(ev('{"seq":3}'));
    await tick();
    expect(ws.sent).toEqual(['{"type":"batch","events":[{"seq":1},{"seq":2}]}', '{"type":"subscribed"}', '{"type":"event","event":{"seq":3}}']);
    expect(JSON.parse(ws.sent[0] as string).events).toHaveLength(2);
  });

  it('cuts a slow consumer whose buffer passed the limit instead of buffering more', async () => {
    const ws = new FakeWs();
    const c = connection(ws, 1024);
    ws.bufferedAmount = 2048;
    c.sendEvent(ev('{"seq":1}'));
    await tick();
    expect(ws.sent).toEqual([]);
    expect(ws.closed?.code).toBe(4008);
  });

  it('sends nothing once the socket is closed', async () => {
    const ws = new FakeWs();
    const c = connection(ws);
    c.sendEvent(ev('{"seq":1}'));
    ws.readyState = 3;
    await tick();
    c.sendFrame(fr('{}'));
    await tick();
    expect(ws.sent).toEqual([]);
  });
});
