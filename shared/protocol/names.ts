import { z } from 'zod';
import { TextField } from './text-field.js';

/**
 * Usernames: 3 to 32 characters, ASCII letters, digits, `_ . -`, starting with a letter or digit;
 * unique regardless of case, and no two accounts registered since migration 016 share a
 * {@link usernameSkeleton} (so `bob_`, `Bob.` and `b0b` cannot be registered next to `bob`, nor
 * `aIice` or `al1ce` next to `alice`).
 */
export const Username = z
  .string()
  .min(3, 'a username has at least 3 characters')
  .max(32, 'a username has at most 32 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a username uses letters, digits, "_", "." and "-", and starts with a letter or digit');
export type Username = z.infer<typeof Username>;

/**
 * The characters usernameSkeleton folds, as the two strings of SQL's `translate(lower(name), from, to)`:
 * each character of `from` becomes the one at the same place in `to`, and those past the end of `to`
 * are dropped. Database migration 016 uses exactly these strings (a test reads them from it).
 */
export const SKELETON_FOLD = { from: '01i|._-', to: 'olll' } as const;

/**
 * The look-alike key of a username: two names with the same skeleton read as the same person, so the
 * server registers a name only when no account holds its skeleton. The rule follows the skeletons of
 * Unicode Technical Standard #39 (Security Mechanisms, section 4, confusable detection) cut down to
 * the ASCII usernames allow: lower case; `.`, `_` and `-` dropped (as Slack and Matrix servers treat
 * punctuation in names as noise); the digit `0` read as `o`; and capital `I`, small `l`, small `i`, the
 * digit `1` and `|` read as one letter, `l` (UTS #39 maps `I`, `1` and `|` to `l`; small `i` joins them
 * here because lower-casing makes `I` an `i`, so `aIice` and `al1ce` are both `allce`, like `alice`).
 * So `bob`, `Bob_`, `b.o.b`, `-bob-` (not itself valid) and `b0b` all have the skeleton `bob`.
 * Known false positives (distinct names refused next to each other): any pair differing only in `i`
 * against `l` or `1`, such as `kai`/`kal`, `eli`/`ell`, `ian`/`lan`, `neil`/`nell`, `bill`/`biil`.
 * Not folded: letter pairs such as `rn` and `m`, `vv` and `w`. Database migration 016 computes the
 * same function in SQL (`translate(lower(name), '01i|._-', 'olll')`, see SKELETON_FOLD) for the
 * accounts that existed before it; a test compares the two over many names.
 */
export function usernameSkeleton(username: string): string {
  let out = '';
  for (const c of username.toLowerCase()) {
    const at = SKELETON_FOLD.from.indexOf(c);
    out += at < 0 ? c : (SKELETON_FOLD.to[at] ?? '');
  }
  return out;
}

/** Passwords: 8 to 1024 characters; anything else is up to the user. */
export const Password = z
  .string()
  .min(8, 'a password has at least 8 characters')
  .max(1024, 'a password has at most 1024 characters');

/** Room names: lower case, 1 to 64 characters, letters, digits, `-` and `_`. Input is lower-cased first. */
/** Direct-message rooms are the private rooms the server names `dm-…`; no one else may take such a name. */
export const DM_PREFIX = 'dm-';

/** Whether a room is a direct-message room (a private room of two). */
export function isDirectMessage(room: { readonly visibility: string; readonly name: string }): boolean {
  return room.visibility === 'private' && room.name.startsWith(DM_PREFIX);
}

/**
 * Whether a room name is a direct message's stored name (`dm-…`): no other room may take such a name
 * (see RoomName), so a name alone tells, as in a search hit or a link to a room.
 */
export function isDirectMessageName(name: string): boolean {
  return name.startsWith(DM_PREFIX);
}

/**
 * How the clients name a room to people: `@peer` for a direct message (`peer`: its other member's
 * username), `#name` for any other room. A direct message's stored `dm-…` name is never shown: when its
 * other member is not known (they left, or the members were not read) it is `a direct message`. Not
 * neutralized (the caller does that, as it shows it). Clients that mark private rooms differently (the
 * TUI's ⚿, the web's 🔒) use this for the direct messages and their own mark for the rest.
 */
export function roomTitle(room: { readonly visibility: string; readonly name: string }, peer: string | null | undefined): string {
  if (isDirectMessage(room) || isDirectMessageName(room.name)) return peer ? `@${peer}` : 'a direct message';
  return `#${room.name}`;
}

/**
 * The refusal of anything that would change who is in a direct message, or give one of its two people
 * power over the other (invites, invite links, kicks): the server's `forbidden` message since database
 * migration 021, and what the clients say when asked for one, without asking the server.
 */
export const DIRECT_MESSAGE_OF_TWO = 'direct messages are between two people only: nobody can be invited, added or removed; start a group room instead';

/**
 * A role as the clients show it in `room`: null in a direct message, which nobody owns in its two
 * people's eyes (the server records the one who opened it as its owner), `role` elsewhere. Used for
 * the caller's own role (`chat rooms`) and for each member's (`chat members`, the members lists).
 */
export function shownRole<R extends string>(room: { readonly visibility: string; readonly name: string }, role: R | null): R | null {
  return isDirectMessage(room) ? null : role;
}

export const RoomName = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'a room name is not empty')
  .max(64, 'a room name has at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'a room name uses letters, digits, "-" and "_", and starts with a letter or digit')
  .refine((name) => !name.startsWith(DM_PREFIX), `room names starting with "${DM_PREFIX}" are kept for direct messages`);
export type RoomName = z.infer<typeof RoomName>;

/** A room topic: free text, one line. */
export const Topic = TextField().max(250, 'a topic has at most 250 characters');

/** The longest message body, in characters. */
export const MAX_MESSAGE_CHARS = 16_000;

/**
 * A message body: not blank; newlines and tabs allowed, other control characters not. The length limit
 * (MAX_MESSAGE_CHARS) is the server's to enforce, with its own error code, so a client can tell "too
 * long" from "malformed".
 */
export const MessageBody = TextField({ multiLine: true }).refine((s) => s.trim().length > 0, 'a message is not empty');
