import { useEffect, useRef } from 'react';
import { isDirectMessage } from '../../shared/protocol/index.js';
import type { Chat } from './use-rooms.js';

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

/**
 * While the page is hidden and notifications are allowed, a notification for each room that gets a
 * new unread direct message or a new mention of the user. It names the room and the sender's room
 * only, never the text (a private room's text stays out of the operating system's notification
 * centre). Clicking it brings the tab forward on that room.
 */
export function useMentionNotifications(chat: Chat, username: string, open: (roomName: string) => void): void {
  const seen = useRef(new Map<string, { count: number; mention: boolean }>());
  useEffect(() => {
    const before = seen.current;
    const now = new Map<string, { count: number; mention: boolean }>();
    for (const room of chat.rooms) {
      const state = { count: chat.unread(room.id), mention: chat.mentioned(room.id) };
      now.set(room.id, state);
      const was = before.get(room.id);
      if (!was || notificationPermission() !== 'granted' || !document.hidden) continue;
      const dm = isDirectMessage(room);
      const title = dm ? `New message from @${chat.peer(room.id)?.username ?? 'someone'}` : state.mention && !was.mention ? `@${username}: you were mentioned in #${room.name}` : null;
      if (!title || state.count <= was.count) continue;
      const n = new Notification(title, { tag: room.id });
      n.onclick = () => {
        window.focus();
        open(room.name);
        n.close();
      };
    }
    seen.current = now;
  }, [chat, username, open]);
}
