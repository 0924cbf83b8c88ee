import { randomUUID } from 'node:crypto';
import { ChatError, MAX_MESSAGE_CHARS, MAX_REACTIONS_PER_MESSAGE, MAX_REACTIONS_PER_USER, isReactionKey } from '../../shared/protocol/index.js';
import type { DeleteMessageResult, HistoryPage, HistoryQuery, RelatesTo, SendMessageRequest, SendMessageResult } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import type { Metrics } from '../metrics.js';
import type { Store, StoreConflict } from '../store/store.js';
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
   * Refuses, storing nothing: `conflict` in a direct message whose other person has left (see
   * {@link peerLeft}), `key_reused` for an envelope whose (sender device, keyId, counter) another
   * envelope already took (a copy of the device; docs/security.md).
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
    if (req.relatesTo?.type === 'reaction' && body !== null && !isReactionKey(body)) {
      throw new ChatError('invalid_request', 'a reaction is one emoji (or one of + - ? ! ✓ ✗ ★ ♥), not text');
    }
    let appended;
    try {
      const message = { id: randomUUID(), roomId, sender, clientMsgId: req.clientMsgId, body, envelope };
      // Relations are checked against their target under the room's lock, one at a time; plain sends are batched.
      appended = req.relatesTo ? await this.deps.store.appendRelation({ ...message, relation: req.relatesTo }) : await this.batcher.append(message);
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
      if (appended.conflict === 'peer_left') throw await this.peerLeft(sender, roomId);
      if (appended.conflict === 'key_reused' && envelope) {
        throw new ChatError(
          'key_reused',
          `device ${sender.deviceId} already sent message ${envelope.counter} of key ${envelope.keyId} in #${room.name}: another copy of this device's state (copied to another machine, or restored from an older copy) sealed a different message with the same key, which the room's members could not open as well. Nothing was stored. Use one copy only: on the other, delete this device's local state and sign in again, as a new device (do not revoke this device: the copy kept is it)`,
        );
      }
      if (appended.conflict === 'client_msg_id_reused') {
        throw new ChatError('conflict', `clientMsgId ${req.clientMsgId} was already used in #${room.name} for a message with another relation (edit, reaction or reply): a new message needs a new id`);
      }
      if (appended.conflict !== 'not_member' && req.relatesTo) throw relationError(appended.conflict, req.relatesTo, room.name, appended.targetSeq);
      throw new ChatError('forbidden', 'you are not a member of this room');
    }
    const { event, duplicate } = appended.value;
    if (!duplicate) this.deps.metrics?.messages.inc();
    await publishRoomEvent(this.deps.bus, event);
    return { id: event.id, seq: event.seq, duplicate };
  }

  /**
   * The refusal of a message (or edit, reaction, reply) to a direct message the other person has left
   * (the store's `peer_left`): they would never read it (their devices are no longer given the room's
   * keys, and on coming back they get them only from then on), so it is refused rather than stored
   * unread, and the sender keeps the text. See docs/security.md.
   */
  private async peerLeft(sender: Sender, roomId: string): Promise<ChatError> {
    const otherId = (await this.deps.store.directMessagePair(roomId))?.find((id) => id !== sender.id);
    const other = otherId === undefined ? null : await this.deps.store.findUserById(otherId);
    return new ChatError(
      'conflict',
      `@${other?.username ?? 'the other person'} has left your direct messages; they would not see this, so it was not sent. Send it again once they have opened your direct messages again`,
    );
  }

  /**
   * Deletes the message (or edit, reaction, reply) at `seq` for good and announces the `delete` event.
   * Only its author or the room's owner (in a direct message, which has no owner, only its author):
   * `forbidden` otherwise; `not_found` when there is no such
   * message; `conflict` when it was already deleted; `invalid_request` for a membership or delete event.
   */
  async delete(by: { id: string; username: string }, roomRef: string, seq: number): Promise<DeleteMessageResult> {
    const room = await this.deps.rooms.resolve(roomRef);
    await this.deps.rooms.requireMember(room, by.id, roomRef);
    const done = await this.deps.store.deleteMessage({ id: randomUUID(), roomId: room.id, targetSeq: seq, by });
    if (!done.ok) {
      switch (done.conflict) {
        case 'not_author':
          throw new ChatError(
            'forbidden',
            room.direct ? `only its author can delete message ${seq}: in a direct message each of you deletes only your own` : `only its author or the owner of #${room.name} can delete message ${seq}`,
          );
        case 'target_missing':
          throw new ChatError('not_found', `there is no message ${seq} in #${room.name}`);
        case 'target_deleted':
          throw new ChatError('conflict', `message ${seq} in #${room.name} is already deleted`);
        case 'target_not_message':
          throw new ChatError('invalid_request', `event ${seq} in #${room.name} cannot be deleted: it is not a message (an edit is taken back by editing again, or by deleting the message it edits)`);
        default:
          throw new ChatError('forbidden', 'you are not a member of this room');
      }
    }
    this.deps.metrics?.messages.inc();
    await publishRoomEvent(this.deps.bus, done.value.event);
    return { id: done.value.event.id, seq: done.value.event.seq };
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

/**
 * A relation type with its article, as the server's messages say it: `an edit`, `a reaction`,
 * `a reply`, `a delete` (`an` before a vowel, so a later type reads right too).
 */
export function relationWithArticle(type: string): string {
  return `${/^[aeiou]/i.test(type) ? 'an' : 'a'} ${type}`;
}

/** The error a refused edit, reaction or reply deserves (ChatError with the code the conflict maps to). */
export function relationError(conflict: StoreConflict, relatesTo: RelatesTo, roomName: string, targetSeq: number | undefined): ChatError {
  // Seqs are what people see and type; an event id is shown only when the target is not in this room.
  const target = targetSeq === undefined ? `message ${relatesTo.eventId}` : `message ${targetSeq}`;
  switch (conflict) {
    case 'not_author':
      return new ChatError('forbidden', `only the author of ${target} can edit it`);
    case 'target_missing':
      return new ChatError('not_found', `there is no such message in #${roomName}`);
    case 'target_other_room':
      return new ChatError('invalid_request', `that message is in another room: ${relationWithArticle(relatesTo.type)} names a message of #${roomName}`);
    case 'target_deleted':
      return new ChatError('conflict', `${target} was deleted: it can no longer be edited, reacted to or replied to`);
    case 'target_not_message':
      return new ChatError('invalid_request', `event ${targetSeq ?? relatesTo.eventId} in #${roomName} is not a message (an edit, reaction or membership event cannot be the target of ${relationWithArticle(relatesTo.type)})`);
    case 'already_reacted':
      return new ChatError('conflict', `you already reacted to ${target} with that emoji (delete your reaction to take it back)`);
    case 'reaction_limit':
      return new ChatError('conflict', `a message takes at most ${MAX_REACTIONS_PER_USER} reactions from one person and ${MAX_REACTIONS_PER_MESSAGE} in all`);
    default:
      return new ChatError('invalid_request', `the ${relatesTo.type} was refused (${conflict})`);
  }
}
