import { describe, expect, it } from 'vitest';
import { ClientFrame, ServerFrame } from './ws-frames.js';

const ROOM = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const MSG = '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c';
const USER = { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'alice' };
const EVENT = { id: MSG, roomId: ROOM, seq: 3, kind: 'message', sender: USER, body: 'hi', envelope: null, target: null, clientMsgId: MSG, createdAt: '2026-11-25T10:00:00.000Z' };

describe('ClientFrame', () => {
  it.each([
    { type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 0 }] },
    { type: 'unsubscribe', roomIds: [ROOM] },
    { type: 'send', roomId: ROOM, clientMsgId: MSG, body: 'hello' },
    { type: 'typing', roomId: ROOM, state: 'start' },
  ])('accepts %j', (frame) => {
    expect(ClientFrame.safeParse(frame).success).toBe(true);
  });

  it.each([
    ['an unknown type', { type: 'shout', roomId: ROOM }],
    ['a subscribe with no rooms', { type: 'subscribe', rooms: [] }],
    ['a negative sinceSeq', { type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: -1 }] }],
    ['a fractional sinceSeq', { type: 'subscribe', rooms: [{ roomId: ROOM, sinceSeq: 1.5 }] }],
    ['a room id that is not a UUID', { type: 'send', roomId: 'general', clientMsgId: MSG, body: 'x' }],
    ['a send without clientMsgId', { type: 'send', roomId: ROOM, body: 'x' }],
    ['a blank body', { type: 'send', roomId: ROOM, clientMsgId: MSG, body: '  \n ' }],
    ['a typing state that is not start/stop', { type: 'typing', roomId: ROOM, state: 'maybe' }],
    ['a non-object', 'subscribe'],
  ])('rejects %s', (_what, frame) => {
    expect(ClientFrame.safeParse(frame).success).toBe(false);
  });
});

describe('ServerFrame', () => {
  it.each([
    { type: 'ready', user: USER, deviceId: MSG, connectionId: 'c1' },
    { type: 'subscribed', roomId: ROOM, headSeq: 3, recovered: true },
    { type: 'unsubscribed', roomId: ROOM, reason: 'removed' },
    { type: 'event', event: EVENT },
    { type: 'batch', events: [EVENT, { ...EVENT, seq: 4, kind: 'leave', body: null, clientMsgId: null }] },
    { type: 'ack', roomId: ROOM, clientMsgId: MSG, id: MSG, seq: 3 },
    { type: 'typing', roomId: ROOM, user: USER, state: 'start', ttlMs: 6000 },
    { type: 'presence', user: USER, status: 'offline', lastSeenAt: '2026-11-25T10:00:00.000Z' },
    { type: 'error', code: 'forbidden', message: 'no', ref: ROOM },
  ])('accepts %j', (frame) => {
    expect(ServerFrame.safeParse(frame).success).toBe(true);
  });

  it.each([
    ['an event with seq 0', { type: 'event', event: { ...EVENT, seq: 0 } }],
    ['an event of unknown kind', { type: 'event', event: { ...EVENT, kind: 'poke' } }],
    ['an error with an unknown code', { type: 'error', code: 'teapot', message: 'x' }],
    ['an ack without seq', { type: 'ack', roomId: ROOM, clientMsgId: MSG, id: MSG }],
  ])('rejects %s', (_what, frame) => {
    expect(ServerFrame.safeParse(frame).success).toBe(false);
  });
});
