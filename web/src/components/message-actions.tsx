import type { KeyboardEvent } from 'react';
import type { MessageView } from '../../../shared/client/index.js';
import { neutralize } from '../../../shared/text/neutralize.js';

/** What a person can do to a message from its toolbar; each handler gets the message. */
export interface MessageActionHandlers {
  /** Whether this user may edit it (their own message, not deleted, readable). */
  readonly canEdit: (view: MessageView) => boolean;
  /** Whether this user may delete it (their own, or any in a room they own). */
  readonly canDelete: (view: MessageView) => boolean;
  readonly onReply: (view: MessageView) => void;
  /** Opens the emoji picker for the message. */
  readonly onPickReaction: (view: MessageView) => void;
  /** Toggles this user's reaction with `key` (a chip under the message). */
  readonly onToggleReaction: (view: MessageView, key: string) => void;
  /** Starts editing the message in place. */
  readonly onEdit: (view: MessageView) => void;
  /** Asks to confirm, then deletes the message. */
  readonly onDelete: (view: MessageView) => void;
}

interface Action {
  readonly name: string;
  readonly icon: string;
  readonly run: () => void;
}

/** Moves focus along the toolbar's buttons with the arrow keys, Home and End (one tab stop: WAI-ARIA toolbar). */
function onToolbarKey(event: KeyboardEvent<HTMLDivElement>): void {
  const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button')];
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  const next = buttons[(to + buttons.length) % buttons.length];
  for (const b of buttons) b.tabIndex = b === next ? 0 : -1;
  next?.focus();
}

/**
 * A message's small toolbar (a WAI-ARIA toolbar: one tab stop, arrow keys between its buttons):
 * Reply, React, and for whoever may, Edit and Delete. It shows while the pointer is over the message
 * or focus is inside it (styles.css `.message-actions`), always on touch screens. Not shown for a
 * deleted message.
 */
export function MessageActions({ view, handlers, sender }: { readonly view: MessageView; readonly handlers: MessageActionHandlers; readonly sender: string }) {
  if (view.deleted) return null;
  const actions: Action[] = [
    { name: 'Reply', icon: '↩', run: () => handlers.onReply(view) },
    { name: 'React', icon: '☺', run: () => handlers.onPickReaction(view) },
    ...(handlers.canEdit(view) ? [{ name: 'Edit', icon: '✎', run: () => handlers.onEdit(view) }] : []),
    ...(handlers.canDelete(view) ? [{ name: 'Delete', icon: '🗑', run: () => handlers.onDelete(view) }] : []),
  ];
  return (
    <div
      role="toolbar"
      aria-label={neutralize(`Message from ${sender}`)}
      className="message-actions absolute top-0 right-2 z-10 flex gap-0.5 rounded-md border border-line bg-bg p-0.5 shadow-sm"
      onKeyDown={onToolbarKey}
    >
      {actions.map((a, i) => (
        <button
          key={a.name}
          type="button"
          tabIndex={i === 0 ? 0 : -1}
          aria-label={a.name}
          title={a.name}
          className="inline-flex h-7 min-w-7 cursor-pointer items-center justify-center rounded px-1 text-sm text-fg hover:bg-panel"
          onClick={a.run}
        >
          <span aria-hidden="true">{a.icon}</span>
        </button>
      ))}
    </div>
  );
}
