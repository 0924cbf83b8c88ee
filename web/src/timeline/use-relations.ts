import { useMemo } from 'react';
import type { MessageView, Opened, PendingMessage } from '../../../shared/client/index.js';
import { applyRelations } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';

const NO_QUOTED: ReadonlyMap<string, RoomEvent> = new Map();

const NO_PENDING: readonly PendingMessage[] = [];

/** A room's messages with relations applied, in seq order and by event id (see `applyRelations`). */
export interface Relations {
  readonly messages: readonly MessageView[];
  readonly byId: ReadonlyMap<string, MessageView>;
  /** The clientMsgIds of this user's pending edits, reactions and deletes shown on their messages (not as rows of their own). */
  readonly folded: ReadonlySet<string>;
}

/**
 * The room's relations applied (edits, deletes, reactions, replies folded into their messages),
 * recomputed when the events or what this device opened change. A private event's text is what this
 * device opened; an open room's is its body. `userId` marks this user's reactions; `pending` (the room's
 * messages in the outbox) shows this user's edits, reactions and deletes on their way, marked pending;
 * `quoted` (the model's messages fetched for replies to outside the loaded events) gives those quotes.
 */
export function useRelations(
  events: readonly RoomEvent[],
  opened: ReadonlyMap<string, Opened>,
  userId: string,
  pending: readonly PendingMessage[] = NO_PENDING,
  quoted: ReadonlyMap<string, RoomEvent> = NO_QUOTED,
): Relations {
  return useMemo(
    () =>
      applyRelations(events, userId, (e) => {
        if (!e.envelope) return e.body;
        const o = opened.get(e.id);
        return o?.status === 'ok' ? o.body : null;
      }, pending, quoted),
    [events, opened, userId, pending, quoted],
  );
}
