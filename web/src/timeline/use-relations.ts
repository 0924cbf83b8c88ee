import { useMemo } from 'react';
import type { MessageView, Opened } from '../../../shared/client/index.js';
import { applyRelations } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';

/** A room's messages with relations applied, in seq order and by event id (see `applyRelations`). */
export interface Relations {
  readonly messages: readonly MessageView[];
  readonly byId: ReadonlyMap<string, MessageView>;
}

/**
 * The room's relations applied (edits, deletes, reactions, replies folded into their messages),
 * recomputed when the events or what this device opened change. A private event's text is what this
 * device opened; an open room's is its body. `userId` marks this user's reactions.
 */
export function useRelations(events: readonly RoomEvent[], opened: ReadonlyMap<string, Opened>, userId: string): Relations {
  return useMemo(
    () =>
      applyRelations(events, userId, (e) => {
        if (!e.envelope) return e.body;
        const o = opened.get(e.id);
        return o?.status === 'ok' ? o.body : null;
      }),
    [events, opened, userId],
  );
}
