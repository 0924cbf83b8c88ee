import type { RoomEvent } from '../protocol/index.js';
import { mentions } from '../text/markdown.js';
import { isOwnMessage } from './relations.js';

export { mentions };

/** What a client knows of one room: its events in seq order, and where this user stopped reading. */
export interface RoomState {
  readonly roomId: string;
  readonly events: readonly RoomEvent[];
  /** Whether older history than the first event may remain on the server. */
  readonly hasOlder: boolean;
  /** The last seq this user has seen; persisted, so unread counts survive a restart. */
  readonly readSeq: number;
  /** Who is typing, with when their indicator expires (ms since epoch). */
  readonly typing: Readonly<Record<string, { readonly username: string; readonly until: number }>>;
}

/** A room with nothing loaded yet, read up to `readSeq`. */
export function emptyRoom(roomId: string, readSeq = 0): RoomState {
  return { roomId, events: [], hasOlder: true, readSeq, typing: {} };
}

/** Adds events, keeping seq order and dropping ones already present. A message ends its sender's typing. */
export function addEvents(room: RoomState, incoming: readonly RoomEvent[]): RoomState {
  if (incoming.length === 0) return room;
  const bySeq = new Map(room.events.map((e) => [e.seq, e]));
  for (const e of incoming) if (e.roomId === room.roomId) bySeq.set(e.seq, e);
  const events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const typing = { ...room.typing };
  for (const e of incoming) if (e.kind === 'message') delete typing[e.sender.id];
  return { ...room, events, typing };
}

/** Marks everything up to `seq` read (never moves backwards). */
export function markRead(room: RoomState, seq: number): RoomState {
  return seq > room.readSeq ? { ...room, readSeq: seq } : room;
}

/** Messages from others after the read position (edits, reactions and deletes are not new messages). */
export function unreadCount(room: RoomState, me: string): number {
  return room.events.filter((e) => e.seq > room.readSeq && isOwnMessage(e) && e.sender.id !== me).length;
}

/** Whether `e` is an unread message from someone else that mentions this user (outside code, see `mentions`). */
const isUnreadMention = (room: RoomState, e: RoomEvent, me: { id: string; username: string }, bodyOf: (e: RoomEvent) => string | null): boolean =>
  e.seq > room.readSeq && isOwnMessage(e) && e.sender.id !== me.id && mentions(bodyOf(e) ?? '', me.username);

/** How many unread messages from someone else mention this user; `bodyOf` gives a message's text as read here. */
export function unreadMentions(room: RoomState, me: { id: string; username: string }, bodyOf: (e: RoomEvent) => string | null): number {
  return room.events.filter((e) => isUnreadMention(room, e, me, bodyOf)).length;
}

/** Whether an unread message from someone else mentions this user. */
export function hasUnreadMention(room: RoomState, me: { id: string; username: string }, bodyOf: (e: RoomEvent) => string | null): boolean {
  return room.events.some((e) => isUnreadMention(room, e, me, bodyOf));
}

/** Starts, refreshes or ends someone's typing indicator. */
export function setTyping(room: RoomState, user: { id: string; username: string }, state: 'start' | 'stop', until: number): RoomState {
  const typing = { ...room.typing };
  if (state === 'start') typing[user.id] = { username: user.username, until };
  else delete typing[user.id];
  return { ...room, typing };
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…", or null. Expired ones drop out. */
export function typingLine(room: RoomState, now: number): string | null {
  const names = Object.values(room.typing)
    .filter((t) => t.until > now)
    .map((t) => t.username)
    .sort();
  if (names.length === 0) return null;
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}
