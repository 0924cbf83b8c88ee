import { ChatError } from '../../shared/protocol/index.js';
import type { Envelope, HistoryPage, Room, RoomEvent } from '../../shared/protocol/index.js';
import type { ApiClient, E2ESession, SocketLike } from '../../shared/client/index.js';

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** Users and a device for the fake server's tests. */
export const ME = { id: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00', username: 'alice' };
export const BOB = { id: '1d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f01', username: 'bob' };
export const DEVICE = '2d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f02';

/** A room as the REST API lists it. */
export function room(id: string, visibility: 'open' | 'private', name = `room-${id.slice(0, 4)}`): Room {
  return { id, name, topic: '', visibility, headSeq: 0, memberCount: 2, createdAt: '2026-11-25T10:00:00.000Z', role: 'member' };
}

/** An in-memory socket: the fake server below answers what the client sends. */
export class FakeSocket implements SocketLike {
  readyState = 1;
  sent: any[] = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(private readonly server: FakeServer) {}
  send(data: string) {
    const frame = JSON.parse(data);
    this.sent.push(frame);
    this.server.onFrame(this, frame);
  }
  close(code = 1000, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  serve(frame: object) {
    if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

/**
 * The server, in memory: rooms and their events, history pages, and a socket that acks and fans out
 * sends. While `down`, REST calls fail with `unavailable` and sockets close at once.
 */
export class FakeServer {
  rooms: Room[] = [];
  events = new Map<string, RoomEvent[]>();
  sockets: FakeSocket[] = [];
  down = false;
  /** Whether sends are acked (false: they are taken and never answered, as when the server dies mid-send). */
  answer = true;
  /** Error code to answer the next send with. */
  refuseNext: string | null = null;
  historyCalls: { roomId: string; after?: number; before?: number }[] = [];

  addRoom(r: Room, events: RoomEvent[] = []) {
    this.rooms.push(r);
    this.events.set(r.id, events);
  }

  append(roomId: string, fields: Partial<RoomEvent>): RoomEvent {
    const list = this.events.get(roomId) ?? [];
    const seq = list.length + 1;
    const event: RoomEvent = {
      id: `00000000-0000-4000-8000-${(seq + 1000 * [...this.events.keys()].indexOf(roomId)).toString(16).padStart(12, '0')}`,
      roomId,
      seq,
      kind: 'message',
      sender: BOB,
      body: null,
      envelope: null,
      target: null,
      clientMsgId: null,
      createdAt: '2026-11-25T10:00:00.000Z',
      ...fields,
    };
    list.push(event);
    this.events.set(roomId, list);
    return event;
  }

  /** Stored once per clientMsgId, as the real server does. */
  storedCount(clientMsgId: string): number {
    return [...this.events.values()].flat().filter((e) => e.clientMsgId === clientMsgId).length;
  }

  onFrame(socket: FakeSocket, frame: any) {
    if (frame.type === 'subscribe') {
      // Backfills what came after each room's position, as the server does.
      for (const { roomId, sinceSeq } of frame.rooms as { roomId: string; sinceSeq: number }[]) {
        const missed = (this.events.get(roomId) ?? []).filter((e) => e.seq > sinceSeq);
        queueMicrotask(() => {
          for (const event of missed) socket.serve({ type: 'event', event });
          socket.serve({ type: 'subscribed', roomId, headSeq: this.events.get(roomId)?.length ?? 0, recovered: true });
        });
      }
      return;
    }
    if (frame.type !== 'send' || !this.answer) return;
    if (this.refuseNext) {
      const code = this.refuseNext;
      this.refuseNext = null;
      queueMicrotask(() => socket.serve({ type: 'error', code, message: 'refused', ref: frame.clientMsgId }));
      return;
    }
    const refuse = (code: string, message: string) => queueMicrotask(() => socket.serve({ type: 'error', code, message, ref: frame.clientMsgId }));
    const list = this.events.get(frame.roomId) ?? [];
    const existing = list.find((e) => e.clientMsgId === frame.clientMsgId);
    // Relations as the server checks them: the target exists and is not deleted; a reused id with another relation is a conflict.
    let relation: RoomEvent['relation'] = null;
    if (frame.relatesTo) {
      const target = list.find((e) => e.id === frame.relatesTo.eventId);
      if (!target) return refuse('not_found', 'no such message');
      if (!existing && this.isDeleted(frame.roomId, target.seq)) return refuse('conflict', `message ${target.seq} was deleted`);
      relation = { ...frame.relatesTo, seq: target.seq };
    }
    if (existing && (existing.relation?.eventId ?? null) !== (relation?.eventId ?? null)) return refuse('conflict', 'clientMsgId reused for another relation');
    const event = existing ?? this.append(frame.roomId, { sender: ME, clientMsgId: frame.clientMsgId, body: frame.body ?? null, envelope: frame.envelope ?? null, ...(relation ? { relation } : {}) });
    queueMicrotask(() => {
      socket.serve({ type: 'ack', roomId: frame.roomId, clientMsgId: frame.clientMsgId, id: event.id, seq: event.seq, duplicate: existing !== undefined });
      if (!existing) for (const s of this.sockets) s.serve({ type: 'event', event });
    });
  }

  /** Whether the event at `seq` was deleted (a delete event names it). */
  isDeleted(roomId: string, seq: number): boolean {
    return (this.events.get(roomId) ?? []).some((e) => e.relation?.type === 'delete' && e.relation.seq === seq);
  }

  push(roomId: string, fields: Partial<RoomEvent> = {}): RoomEvent {
    const event = this.append(roomId, fields);
    for (const s of this.sockets) s.serve({ type: 'event', event });
    return event;
  }

  api(): ApiClient {
    const check = () => {
      if (this.down) throw new ChatError('unavailable', 'cannot reach the server');
    };
    return {
      serverUrl: 'http://chat.test',
      freshSession: async () => {
        check();
        return { accessToken: 'token' };
      },
      // The token never needs renewing here: these tests are about the model, not the session.
      session: async () => ({ accessToken: 'token' }),
      msUntilRenewal: () => 60 * 60_000,
      rooms: async () => {
        check();
        return [...this.rooms];
      },
      members: async () => [],
      // Relations as the server stores them: a room event naming its target (and its seq), sent live.
      sendRelation: async (roomId: string, payload: { clientMsgId: string; relatesTo: { type: string; eventId: string }; body?: string; envelope?: Envelope }) => {
        check();
        const target = (this.events.get(roomId) ?? []).find((e) => e.id === payload.relatesTo.eventId);
        if (!target) throw new ChatError('not_found', 'no such message');
        const event = this.push(roomId, { sender: ME, clientMsgId: payload.clientMsgId, body: payload.body ?? null, envelope: payload.envelope ?? null, relation: { ...payload.relatesTo, seq: target.seq } });
        return { id: event.id, seq: event.seq, duplicate: false };
      },
      deleteMessage: async (roomId: string, seq: number) => {
        check();
        const target = (this.events.get(roomId) ?? []).find((e) => e.seq === seq);
        if (!target) throw new ChatError('not_found', 'no such message');
        if (this.isDeleted(roomId, seq)) throw new ChatError('conflict', `message ${seq} is already deleted`);
        const event = this.push(roomId, { sender: ME, relation: { type: 'delete', eventId: target.id, seq } });
        return { id: event.id, seq: event.seq };
      },
      history: async (roomId: string, q: { after?: number; before?: number; limit?: number }): Promise<HistoryPage> => {
        check();
        this.historyCalls.push({ roomId, ...q });
        const all = this.events.get(roomId) ?? [];
        const limit = q.limit ?? 50;
        if (q.after !== undefined) {
          const events = all.filter((e) => e.seq > (q.after ?? 0)).slice(0, limit);
          return { events, headSeq: all.length, hasMore: false };
        }
        const before = all.filter((e) => e.seq < (q.before ?? Infinity));
        const events = before.slice(-limit);
        return { events, headSeq: all.length, hasMore: before.length > events.length };
      },
    } as unknown as ApiClient;
  }
}

/**
 * Encryption and opening without keys; the first `unreachable` encryptions fail as if the server were
 * away. With `keysOnSync`, messages wait for their key until `sync` has fetched the shares.
 */
export function fakeE2E(unreachable = 0, keysOnSync = false) {
  const encrypted: string[] = [];
  /** The envelopes the server refused, as `code clientMsgId counter`. */
  const refused: string[] = [];
  let failures = unreachable;
  let synced = false;
  const e2e = {
    encrypt: async (roomId: string, body: string, clientMsgId: string): Promise<Envelope> => {
      if (failures-- > 0) throw new ChatError('unavailable', 'cannot reach the server');
      encrypted.push(body);
      return { v: 1, suite: 'p256-hmac-aes256gcm-1', roomId, senderUser: ME.id, senderDevice: DEVICE, keyId: b64('key-of-the-chain!'), counter: encrypted.length, clientMsgId, iv: b64('sixteen-byte-iv!'), ct: b64(body), sig: 'A'.repeat(86) };
    },
    open: async (event: RoomEvent) =>
      keysOnSync && !synced ? { status: 'waiting' as const } : { status: 'ok' as const, body: Buffer.from(event.envelope?.ct ?? '', 'base64url').toString(), sentAt: 0 },
    refused: async (envelope: Envelope, code: string) => {
      refused.push(`${code} ${envelope.clientMsgId} ${envelope.counter}`);
    },
    sync: async () => {
      synced = true;
    },
  } as unknown as Pick<E2ESession, 'encrypt' | 'refused' | 'open' | 'sync'>;
  return { e2e, encrypted, refused };
}

