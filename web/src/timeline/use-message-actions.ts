import { useMemo, useState } from 'react';
import type { MessageView } from '../../../shared/client/index.js';
import type { Room } from '../../../shared/protocol/index.js';
import type { MessageActionHandlers } from '../components/message-actions.js';
import type { Chat } from '../use-rooms.js';

/** What {@link useMessageActions} gives a room's page. */
export interface MessageActionsState {
  readonly handlers: MessageActionHandlers;
  /** The message being edited in place (its event id), or null. */
  readonly editing: string | null;
  readonly setEditing: (eventId: string | null) => void;
  /** The message the composer answers, or null. */
  readonly replyingTo: MessageView | null;
  readonly setReplyingTo: (view: MessageView | null) => void;
  /** The message whose reaction picker is open, or null. */
  readonly reacting: MessageView | null;
  readonly setReacting: (view: MessageView | null) => void;
  /** The message whose delete waits for confirmation, or null. */
  readonly deleting: MessageView | null;
  readonly setDeleting: (view: MessageView | null) => void;
}

/**
 * The state behind a room's message actions (reply, react, edit, delete): which message each one is
 * about, and the toolbar's handlers. Sending goes through the shared client model (`chat.react`,
 * `chat.edit`…); errors become the status note through `act`. `me` is the signed-in user's id: only
 * their own messages can be edited, and deleted unless they own the room.
 */
export function useMessageActions(chat: Chat, room: Room, me: string, act: (work: () => Promise<string | void>) => void): MessageActionsState {
  const [editing, setEditing] = useState<string | null>(null);
  const [replyingTo, setReplyingTo] = useState<MessageView | null>(null);
  const [reacting, setReacting] = useState<MessageView | null>(null);
  const [deleting, setDeleting] = useState<MessageView | null>(null);
  const handlers = useMemo<MessageActionHandlers>(
    () => ({
      canEdit: (view) => view.event.sender.id === me && !view.deleted && view.text !== null,
      canDelete: (view) => !view.deleted && (view.event.sender.id === me || room.role === 'owner'),
      onReply: (view) => setReplyingTo(view),
      onPickReaction: (view) => setReacting(view),
      onToggleReaction: (view, key) => act(() => chat.react(room, view, key)),
      onEdit: (view) => setEditing(view.event.id),
      onDelete: (view) => setDeleting(view),
    }),
    [chat, room, me, act],
  );
  return { handlers, editing, setEditing, replyingTo, setReplyingTo, reacting, setReacting, deleting, setDeleting };
}
