import type { RelatesTo, SendMessageResult } from '../protocol/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession } from './e2e-session.js';

/** Where a relation goes: the API, the room, and this device's encryption when the room is private. */
export interface RelationTarget {
  readonly api: Pick<ApiClient, 'sendRelation'>;
  readonly roomId: string;
  /** This device's encryption; present exactly when the room is private (the text is sealed here). */
  readonly e2e?: Pick<E2ESession, 'encrypt'> | undefined;
}

/**
 * Sends text related to an earlier message (an edit's new text, a reaction's emoji, a reply): the body
 * in an open room, an envelope encrypted on this device in a private one, the relation's type and
 * target in clear either way (docs/protocol.md). The one send path for relations of every client.
 * Answers the new event's id and seq; rejects with the server's ChatError (forbidden for an edit of
 * someone else's message, not_found for a missing target, invalid_request for a bad reaction).
 */
export async function sendRelated(target: RelationTarget, relatesTo: RelatesTo, text: string, clientMsgId: string = globalThis.crypto.randomUUID()): Promise<SendMessageResult> {
  if (!target.e2e) return target.api.sendRelation(target.roomId, { clientMsgId, body: text, relatesTo });
  const envelope = await target.e2e.encrypt(target.roomId, text, clientMsgId);
  return target.api.sendRelation(target.roomId, { clientMsgId, envelope, relatesTo });
}
