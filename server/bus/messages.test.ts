import { describe, expect, it } from 'vitest';
import { Channels } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import type { ControlMessage, RoomBusMessage } from './messages.js';
import { ControlMessage as ControlSchema, publishControl, publishRoomMessage, readBusMessage, RoomBusMessage as RoomSchema } from './messages.js';

const ROOM = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';
const USER = { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'alice' };
const EVENT = { id: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c', roomId: ROOM, seq: 3, kind: 'message', sender: USER, body: 'hi', envelope: null, target: null, clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z' } as const;

/** Publishes through the typed helper and returns what a subscriber of the channel reads. */
async function roundTrip<T>(channel: string, publish: (bus: MemoryBus) => Promise<void>, read: (raw: string) => T): Promise<T> {
  const bus = new MemoryBus();
  const got = new Promise<T>((resolve) => void bus.subscribe(channel, (raw) => resolve(read(raw))));
  await publish(bus);
  return got;
}

describe('bus messages', () => {
  it.each<RoomBusMessage>([
    { t: 'event', event: EVENT },
    { t: 'typing', user: USER, state: 'start', connectionId: 'c1' },
  ])('a room message ($t) published with publishRoomMessage reads back the same', async (message) => {
    const read = await roundTrip(Channels.room(ROOM), (bus) => publishRoomMessage(bus, ROOM, message), (raw) => readBusMessage(RoomSchema, raw));
    expect(read).toEqual({ ok: true, message });
  });

  it.each<ControlMessage>([
    { t: 'revoke', deviceId: USER.id },
    { t: 'revoke', deviceId: USER.id, sessionId: ROOM },
    { t: 'shares', deviceIds: [USER.id] },
    { t: 'rooms', userIds: [USER.id] },
    { t: 'presence', user: USER, status: 'offline', lastSeenAt: '2026-11-25T10:00:00.000Z', roomIds: [ROOM] },
  ])('a control message ($t) published with publishControl reads back the same', async (message) => {
    const read = await roundTrip(Channels.control, (bus) => publishControl(bus, message), (raw) => readBusMessage(ControlSchema, raw));
    expect(read).toEqual({ ok: true, message });
  });

  it.each([
    ['text that is not JSON', '{"t":"revoke"'],
    ['a wire frame (discriminated by type, not t)', '{"type":"shares"}'],
    ['an unknown t', '{"t":"explode","deviceIds":[]}'],
    ['a revoke with no device', '{"t":"revoke"}'],
    ['a presence with a bad status', JSON.stringify({ t: 'presence', user: USER, status: 'away', lastSeenAt: null, roomIds: [] })],
    ['a room message on the control channel', JSON.stringify({ t: 'typing', user: USER, state: 'start', connectionId: 'c1' })],
  ])('refuses %s on the control channel, with a reason', (_what, raw) => {
    const read = readBusMessage(ControlSchema, raw);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.reason).not.toBe('');
  });

  it.each([
    ['an event whose seq is not a positive integer', JSON.stringify({ t: 'event', event: { ...EVENT, seq: 0 } })],
    ['an event with no event', '{"t":"event"}'],
    ['typing in an unknown state', JSON.stringify({ t: 'typing', user: USER, state: 'maybe', connectionId: 'c1' })],
    ['a control message on a room channel', '{"t":"rooms","userIds":[]}'],
  ])('refuses %s on a room channel', (_what, raw) => {
    expect(readBusMessage(RoomSchema, raw).ok).toBe(false);
  });
});
