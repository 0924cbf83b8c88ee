import { ChatError } from '../protocol/index.js';
import type { RelatesTo, Room } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession } from './e2e-session.js';

/** What sending a relation needs: the API, and for a private room this device's encryption. */
export interface RelationSender {
  readonly api: Pick<ApiClient, 'sendRelation'>;
  /** Absent: private rooms cannot be written to (the send rejects). */
  readonly e2e?: Pick<E2ESession, 'encrypt'> | undefined;
  /** A new clientMsgId (default: crypto.randomUUID). */
  readonly newId?: () => string;
}

/**
 * Sends text related to another message (an edit's new text, a reaction's emoji, a reply's text): the
 * body in an open room, an envelope encrypted on this device in a private one, where only the
 * relation's type and target stay in clear. Answers the new event's id and seq; rejects with the
 * server's ChatError (forbidden for someone else's message, conflict for a deleted one, …), or with
 * ChatError('internal') when a private room has no encryption here.
 */
export async function sendRelation(sender: RelationSender, room: Pick<Room, 'id' | 'visibility'>, relatesTo: RelatesTo, text: string): Promise<{ id: string; seq: number }> {
  const clientMsgId = (sender.newId ?? (() => crypto.randomUUID()))();
  if (room.visibility !== 'private') return sender.api.sendRelation(room.id, { clientMsgId, body: text, relatesTo });
  if (!sender.e2e) throw new ChatError('internal', 'this client cannot encrypt');
  const envelope = await sender.e2e.encrypt(room.id, text, clientMsgId);
  return sender.api.sendRelation(room.id, { clientMsgId, envelope, relatesTo });
}
