import type { RoomEvent } from '../../shared/protocol/index.js';

/** The room every event of these fixtures is in. */
export const ROOM = '00000000-0000-4000-8000-00000000000a';
/** The two senders of these fixtures. */
export const ALICE = { id: '00000000-0000-4000-8000-0000000000a1', username: 'alice' };
export const BOB = { id: '00000000-0000-4000-8000-0000000000b0', username: 'bob' };

/** The event id of the message with this seq (its clientMsgId is the id of seq + 1000). */
export const idOf = (seq: number): string => `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;

/** What a fixture event relates to: the relation's type and the target's seq. */
export interface FixtureRelation {
  readonly type: string;
  readonly seq: number;
}

/**
 * A message event of ROOM, sent at 12:`seq` on 2026-11-01 (UTC). `text` is the body of an open room's
 * message (`payload: 'body'`), or, in a private room (`payload: 'envelope'`), the text a fake session
 * opens the "envelope" to; null leaves both empty, as a delete or a deleted (`redacted`) message has.
 */
export function fixtureEvent(
  payload: 'body' | 'envelope',
  seq: number,
  text: string | null,
  options: { sender?: RoomEvent['sender']; relation?: FixtureRelation; redacted?: boolean } = {},
): RoomEvent {
  const { sender = ALICE, relation, redacted = false } = options;
  return {
    id: idOf(seq),
    roomId: ROOM,
    seq,
    kind: 'message',
    sender,
    body: payload === 'body' ? text : null,
    envelope: payload === 'envelope' && text !== null ? ({ text } as unknown as RoomEvent['envelope']) : null,
    target: null,
    clientMsgId: idOf(seq + 1000),
    createdAt: new Date(Date.UTC(2026, 10, 1, 12, seq)).toISOString(),
    relation: relation ? { type: relation.type, eventId: idOf(relation.seq), seq: relation.seq } : null,
    ...(redacted ? { redacted: true } : {}),
  };
}
