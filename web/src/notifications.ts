import { useEffect, useRef } from 'react';
import { isDirectMessage } from '../../shared/protocol/index.js';
import type { Chat } from './use-rooms.js';

/** Where the direct-message setting is kept (localStorage, per browser): 'off', or absent for on. */
const DM_SETTING = 'chat.notify.dm';

/** Whether this browser can show notifications, and what the user said so far. */
export function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * Asks the browser for permission to notify. Only ever called from a button the user pressed
 * (Settings → Notifications), never on load: browsers rightly distrust pages that ask unprompted.
 */
export async function askNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

/** Whether direct messages notify too (Settings → Notifications; on unless turned off). Mentions always do. */
export function notifyDirectMessages(): boolean {
  return window.localStorage.getItem(DM_SETTING) !== 'off';
}

/** Turns notifications of direct messages on or off in this browser. */
export function setNotifyDirectMessages(on: boolean): void {
  if (on) window.localStorage.removeItem(DM_SETTING);
  else window.localStorage.setItem(DM_SETTING, 'off');
}

/**
 * While the page is hidden and notifications are allowed, a notification for each live message from
 * someone else that mentions the user, or that came in a direct message when that setting is on. Which
 * messages those are is the shared client model's notice (`ChatModel.onNotice`): a mention by the
 * shared markdown rule (never inside code), read from the decrypted text in private rooms, the same as
 * the TUI's bell. It names the room and the sender only, never the text (a private room's text stays
 * out of the operating system's notification centre). Clicking it brings the tab forward on that room.
 */
export function useMentionNotifications(chat: Chat, username: string, open: (roomName: string) => void): void {
  const latest = useRef({ chat, open });
  latest.current = { chat, open };
  const { onNotice } = chat;
  useEffect(
    () =>
      onNotice((notice) => {
        if (notificationPermission() !== 'granted' || !document.hidden) return;
        if (!notice.mention && !(notice.dm && notifyDirectMessages())) return;
        const room = latest.current.chat.rooms.find((r) => r.id === notice.roomId);
        if (!room) return;
        const sender = `@${notice.event.sender.username}`;
        const title = notice.mention
          ? `${username}, ${sender} mentioned you in ${isDirectMessage(room) ? 'a direct message' : latest.current.chat.title(room)}`
          : `New message from ${sender}`;
        const n = new Notification(title, { tag: `${room.id}:${notice.event.id}` });
        n.onclick = () => {
          window.focus();
          latest.current.open(room.name);
          n.close();
        };
      }),
    [onNotice, username],
  );
}
