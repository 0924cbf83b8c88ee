import { describe, expect, it } from 'vitest';
import { encodeEvent, encodeEventFrame, encodeServerFrame } from './encode-frame.js';
import type { RoomEvent } from './events.js';
import { ServerFrame } from './ws-frames.js';

const ROOM = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const MSG = '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c';
const USER = { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'alice' };
const event = (seq: number): RoomEvent => ({ id: MSG, roomId: ROOM, seq, kind: 'message', sender: USER, body: `m${seq}`, envelope: null, target: null, clientMsgId: MSG, createdAt: '2026-11-25T10:00:00.000Z' });

/** One frame of every type: the mapped type makes a missing or misspelt variant a type error. */
const SAMPLES: { readonly [K in ServerFrame['type']]: Extract<ServerFrame, { type: K }> } = {
  ready: { type: 'ready', user: USER, deviceId: MSG, connectionId: 'c1' },
  subscribed: { type: 'subscribed', roomId: ROOM, headSeq: 4, recovered: true },
  unsubscribed: { type: 'unsubscribed', roomId: ROOM, reason: 'removed' },
  event: { type: 'event', event: event(1) },
  batch: { type: 'batch', events: [event(1), event(2)] },
  ack: { type: 'ack', roomId: ROOM, clientMsgId: MSG, id: MSG, seq: 3 },
  typing: { type: 'typing', roomId: ROOM, user: USER, state: 'start', ttlMs: 6000 },
  presence: { type: 'presence', user: USER, status: 'offline', lastSeenAt: '2026-11-25T10:00:00.000Z' },
  shares: { type: 'shares' },
  rooms: { type: 'rooms' },
  read: { type: 'read', roomId: ROOM, seq: 7 },
  devices: { type: 'devices' },
  reauthed: { type: 'reauthed', expiresAt: '2026-11-25T10:15:00.000Z' },
  error: { type: 'error', code: 'forbidden', message: 'no', ref: ROOM, roomIds: [ROOM] },
};

describe('encodeServerFrame', () => {
  it('covers every variant of the ServerFrame schema', () => {
    const schemaTypes = ServerFrame.options.map((o) => o.shape.type.value).sort();
    expect(Object.keys(SAMPLES).sort()).toEqual(schemaTypes);
  });

  it.each(Object.values(SAMPLES))('encodes a $type frame that the client schema decodes to the same frame', (frame) => {
    expect(ServerFrame.parse(JSON.parse(encodeServerFrame(frame)))).toEqual(frame);
  });
});

describe('encodeEventFrame', () => {
  it('builds an event frame for one serialized event and a batch for several, decoding to the events in order', () => {
    const one = ServerFrame.parse(JSON.parse(encodeEventFrame([encodeEvent(event(1))])));
    expect(one).toEqual({ type: 'event', event: event(1) });
    const three = ServerFrame.parse(JSON.parse(encodeEventFrame([1, 2, 3].map((seq) => encodeEvent(event(seq))))));
    expect(three).toEqual({ type: 'batch', events: [event(1), event(2), event(3)] });
  });

  it('reuses the serialized bytes as they are, so one event is serialized once for every recipient', () => {
    const json = encodeEvent(event(7));
    expect(encodeEventFrame([json])).toContain(json);
    expect(encodeEventFrame([json, json])).toBe(`{"type":"batch","events":[${json},${json}]}`);
  });

  it('refuses to build a frame with no event', () => {
    expect(() => encodeEventFrame([])).toThrow(RangeError);
  });
});
