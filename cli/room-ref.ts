import { closest, distance } from 'fastest-levenshtein';
import type { ApiClient } from '../shared/client/index.js';
import { ChatError, DIRECT_MESSAGE_OF_TWO, isDirectMessage, isDirectMessageName, roomTitle } from '../shared/protocol/index.js';
import type { Room } from '../shared/protocol/index.js';
import { neutralize } from '../shared/text/neutralize.js';

/**
 * A room as typed on the command line: `@user` (your direct messages with that user), or a room's
 * name or id, with or without a leading `#` (`#general` and `general` are the same room).
 */
export type RoomRef = { readonly kind: 'user'; readonly username: string } | { readonly kind: 'room'; readonly name: string };

/** Reads a room argument (see {@link RoomRef}); surrounding whitespace is ignored. */
export function parseRoomRef(text: string): RoomRef {
  const trimmed = text.trim();
  if (trimmed.startsWith('@') && trimmed.length > 1) return { kind: 'user', username: trimmed.slice(1) };
  return { kind: 'room', name: trimmed.replace(/^#(?=.)/, '') };
}

/**
 * Reads a user argument (`chat dm`, `verify`, `kick`, `login`, `register`, the TUI's `/dm`, `/kick`,
 * `/verify`): `@carol` and `carol` are the same user, as `#general` and `general` are the same room
 * (see {@link parseRoomRef}). Surrounding whitespace is ignored; a lone `@` is kept (the server then
 * says there is no such user).
 */
export function parseUserRef(text: string): string {
  return text.trim().replace(/^@(?=.)/, '');
}

/**
 * How a CLI message names `room` (see roomTitle): `@peer` for a direct message, `#name` for any other
 * room; neutralized — a DM's stored `dm-…` name is never shown. A DM's peer is the `@user` it was
 * named by (`ref`), else its other member as the server lists them (one members request, for DMs
 * only; so call it while still a member, before a leave); a DM whose other member cannot be read is
 * `a direct message`. Errors other than a ChatError of the members request pass through.
 */
export async function roomName(api: Pick<ApiClient, 'members'>, room: Room, me: string, ref?: string): Promise<string> {
  if (!isDirectMessage(room)) return neutralize(roomTitle(room, null));
  const parsed = ref === undefined ? undefined : parseRoomRef(ref);
  if (parsed?.kind === 'user') return neutralize(roomTitle(room, parsed.username));
  try {
    return neutralize(roomTitle(room, (await dmPeers(api, [room], me)).get(room.id)));
  } catch (error) {
    if (error instanceof ChatError) return neutralize(roomTitle(room, null));
    throw error;
  }
}

/**
 * Names a room for a CLI message from a name alone (a search hit's): `@peer` when `peers` (by room id,
 * see dmPeers) knows the DM's other member, `a direct message` for another `dm-…` room, else `#name`;
 * neutralized.
 */
export function roomNameOf(roomId: string, name: string, peers: ReadonlyMap<string, string>): string {
  return neutralize(roomTitle({ visibility: isDirectMessageName(name) ? 'private' : 'open', name }, peers.get(roomId)));
}

/**
 * Refuses (ChatError `forbidden`, the server's words) what would change who is in a direct message —
 * an invite, an invite link, a kick — without asking the server; nothing for any other room.
 */
export function refuseInDirectMessage(room: Room): void {
  if (isDirectMessage(room)) throw new ChatError('forbidden', DIRECT_MESSAGE_OF_TWO);
}

/**
 * The other member of each of your direct-message rooms, by room id (one members request per DM
 * room). A DM room whose other member left has none.
 */
export async function dmPeers(api: Pick<ApiClient, 'members'>, rooms: readonly Room[], me: string): Promise<Map<string, string>> {
  const peers = new Map<string, string>();
  await Promise.all(
    rooms.filter(isDirectMessage).map(async (room) => {
      const other = (await api.members(room.id)).find((m) => m.user.username.toLowerCase() !== me.toLowerCase());
      if (other) peers.set(room.id, other.user.username);
    }),
  );
  return peers;
}

/**
 * The name among `candidates` closest to `name` by Levenshtein distance (fastest-levenshtein), when
 * it is close enough to be a likely typo: at most a third of the name's length, and at least one
 * edit allowed. Undefined when nothing is that close, or when `name` itself is a candidate.
 */
export function suggestRoomName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const pool = [...new Set(candidates.map((c) => c.toLowerCase()))].filter((c) => c !== lower);
  if (pool.length === 0 || candidates.some((c) => c.toLowerCase() === lower)) return undefined;
  const best = closest(lower, pool);
  return distance(lower, best) <= Math.max(1, Math.floor(lower.length / 3)) ? best : undefined;
}

/** What resolving a room needs: the client and who is signed in. */
export interface ResolveRoomOptions {
  readonly api: ApiClient;
  /** The signed-in user's name (to tell the other member of a DM). */
  readonly me: string;
  /**
   * For `@user`: open the direct messages when there are none yet (`chat send @dana`), as `chat dm`
   * does. Otherwise there being none is `not_found`.
   */
  readonly openDirectMessage?: boolean;
}

/**
 * The room an argument names (see {@link RoomRef}). Throws ChatError('not_found') for a room that
 * does not exist or is not visible to you — with "did you mean #name?" when one of your rooms or an
 * open room has a close name — and for `@user` with no direct messages (unless `openDirectMessage`);
 * other errors of the client pass through.
 */
export async function resolveRoom(ref: string, options: ResolveRoomOptions): Promise<Room> {
  const { api } = options;
  const parsed = parseRoomRef(ref);
  if (parsed.kind === 'user') {
    const rooms = await api.rooms();
    const peers = await dmPeers(api, rooms, options.me);
    const wanted = parsed.username.toLowerCase();
    const room = rooms.find((r) => peers.get(r.id)?.toLowerCase() === wanted);
    if (room) return room;
    if (options.openDirectMessage) return (await api.directMessage(parsed.username)).room;
    throw new ChatError('not_found', `you have no direct messages with @${parsed.username}; start them with \`chat dm ${parsed.username}\``);
  }
  try {
    return await api.room(parsed.name);
  } catch (error) {
    if (!(error instanceof ChatError) || error.code !== 'not_found') throw error;
    throw await withSuggestion(api, parsed.name, error);
  }
}

/**
 * A `not_found` error for a room name, with "did you mean #name?" added when your rooms or the
 * directory of open rooms hold a close name; the error itself when they do not (or cannot be read).
 */
export async function withSuggestion(api: ApiClient, name: string, error: ChatError): Promise<ChatError> {
  // The caller's rooms, and the open rooms whose names are one typo away (the directory's `similar`).
  const lists = await Promise.allSettled([api.rooms(), api.directory({ q: name.slice(0, 100), limit: 1 }).then((page) => [...page.rooms, ...page.similar])]);
  const names = lists.flatMap((l) => (l.status === 'fulfilled' ? l.value.filter((r) => !isDirectMessage(r)).map((r) => r.name) : []));
  const suggestion = suggestRoomName(name, names);
  return suggestion ? new ChatError('not_found', `${error.message} — did you mean #${suggestion}?`, { cause: error }) : error;
}

/** The mark a private room (not a DM) carries in place of `#`, in the TUI's room list and title and in `chat rooms`: U+26BF SQUARED KEY, one column wide. */
export const PRIVATE_ROOM_MARK = '⚿';
