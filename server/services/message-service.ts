import { randomUUID } from 'node:crypto';
import { ChatError, MAX_MESSAGE_CHARS } from '../../shared/protocol/index.js';
import type { HistoryPage, HistoryQuery, SendMessageRequest, SendMessageResult } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';
import { AppendBatcher } from './append-batcher.js';
import { publishRoomEvent } from './room-events.js';
import { UUID } from './room-service.js';
import type { RoomService } from './room-service.js';

/** Who sends: the user, and the device whose key signs private-room envelopes. */
export interface Sender {
  readonly id: string;
  readonly username: string;
  readonly deviceId: string;
}

export interface MessageServiceDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly rooms: RoomService;
  readonly metrics?: Metrics | undefined;
}

/** Sending (idempotent, acknowledged after commit) and reading history, both for members only. */
export class MessageService {
  private readonly batcher: AppendBatcher;

  constructor(private readonly deps: MessageServiceDeps) {
    this.batcher = new AppendBatcher(deps.store);
  }

  /**
   * Commits the message and then announces it. A retry with the same clientMsgId answers the original
   * id and seq; it is announced again, harmlessly, in case the first announcement was lost with a crash.
   */
  async send(sender: Sender, roomRef: string, req: SendMessageRequest): Promise<SendMessageResult> {
    const body = 'body' in req ? req.body : null;
    const envelope = 'envelope' in req ? req.envelope : null;
    if (body !== null && body.length > MAX_MESSAGE_CHARS) {
      throw new ChatError('message_too_large', `a message has at most ${MAX_MESSAGE_CHARS} characters (this one has ${body.length})`);
    }
    // Sockets name rooms by id: then the append itself checks membership, in one round trip.
    const roomId = UUID.test(roomRef) ? roomRef : (await this.deps.rooms.resolve(roomRef)).id;
    if (envelope && (envelope.roomId !== roomId || envelope.senderUser !== sender.id || envelope.senderDevice !== sender.deviceId || envelope.clientMsgId !== req.clientMsgId)) {
      throw new ChatError('invalid_request', 'the envelope must name this room, your user and device, and the clientMsgId of the request');
    }
    let appended;
    try {
      appended = await this.batcher.append({ id: randomUUID(), roomId, sender, clientMsgId: req.clientMsgId, body, envelope });
    } catch (error) {
      if (!(await this.deps.store.findRoomById(roomId))) throw new ChatError('not_found', `there is no room "${roomRef}"`);
      throw error;
    }
    if (!appended.ok) {
      const room = await this.deps.rooms.resolve(roomId);
      // Not a member: say so in the words the room deserves (a private room stays invisible).
      await this.deps.rooms.requireMember(room, sender.id, roomRef);
      if (appended.conflict === 'wrong_payload') {
        throw new ChatError(
          'invalid_request',
          room.visibility === 'private' ? `#${room.name} is end-to-end encrypted: it accepts only encrypted envelopes` : `#${room.name} is an open room: send text, not an envelope`,
        );
      }
      throw new ChatError('forbidden', 'you are not a member of this room');
    }
    const { event, duplicate } = appended.value;
    if (!duplicate) this.deps.metrics?.messages.inc();
    await publishRoomEvent(this.deps.bus, event);
    return { id: event.id, seq: event.seq, duplicate };
  }

  async history(userId: string, roomRef: string, query: HistoryQuery): Promise<HistoryPage> {
    const room = await this.deps.rooms.resolve(roomRef);
    await this.deps.rooms.requireMember(room, userId, roomRef);
    const range = query.after !== undefined ? { afterSeq: query.after } : query.before !== undefined ? { beforeSeq: query.before } : {};
    const events = await this.deps.store.listEvents(room.id, { ...range, limit: query.limit + 1 });
    const hasMore = events.length > query.limit;
    // One extra row tells whether there is more; drop it from the side away from the anchor.
    const page = hasMore ? (query.after !== undefined ? events.slice(0, query.limit) : events.slice(1)) : events;
    return { events: page, headSeq: await this.deps.store.headSeq(room.id), hasMore };
  }
}
