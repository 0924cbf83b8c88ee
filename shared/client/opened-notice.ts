import type { Opened } from './e2e-session.js';

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
