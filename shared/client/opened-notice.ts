import type { Opened } from './e2e-session.js';
import type { MessageView } from './relations.js';

/** A private message that opened to no text to show. */
export type NoText = Exclude<Opened, { readonly status: 'ok' }>;

/**
 * The words every client shows in place of a private message's text when opening it gave none, so the
 * CLI, the TUI and the web say the same thing. `unreadable` carries the reason as it came (the caller
 * neutralizes it for the terminal).
 */
export function openedNotice(opened: NoText): string {
  switch (opened.status) {
    case 'waiting':
      return 'waiting for the key from the sender';
    case 'not_shared':
      return 'this device was never given the key';
    case 'before_join':
      return 'sent before you joined';
    case 'before_device':
      return 'sent before this device signed in: restoring your key backup brings it here';
    case 'replayed':
      return 'replayed message: a copy of one already shown';
    case 'wrong_room':
      return 'replayed from another room: not shown here';
    case 'unreadable':
      return `cannot be decrypted: ${opened.reason}`;
    default: {
      const unreachable: never = opened;
      return String(unreachable);
    }
  }
}

/**
 * What a message shows in place of its text when its author's newest edit has arrived but did not
 * open (a private room's edit whose key is not here yet, or that cannot be decrypted) while the
 * message's own text did: that text is no longer the message's text, so no client may show it as if
 * it were current. The TUI, `chat read` (history and --follow) and the web all ask this one rule;
 * each wraps the words as it wraps an {@link openedNotice} (brackets in a terminal). Null when the
 * view's `text` (or its pending edit, which the caller shows first) is what to show, when it is
 * deleted, or when the message's own text did not open either (`ownTextOpened` false: a private
 * message that gave no text): then the caller shows that message's own notice ("sent before you
 * joined"), which shows no replaced text either and says more.
 */
export function unopenedEditNotice(view: Pick<MessageView, 'edited' | 'deleted' | 'text'>, ownTextOpened: boolean): string | null {
  return view.edited && !view.deleted && view.text === null && ownTextOpened ? 'edited: the new text is not open yet' : null;
}
