import { z } from 'zod';
import { TextField } from './text-field.js';

/** Usernames: 3 to 32 characters, letters, digits, `_ . -`, starting with a letter or digit; unique regardless of case. */
export const Username = z
  .string()
  .min(3, 'a username has at least 3 characters')
  .max(32, 'a username has at most 32 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a username uses letters, digits, "_", "." and "-", and starts with a letter or digit');
export type Username = z.infer<typeof Username>;

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
