import { z } from 'zod';

/**
 * Relations between events (after Matrix's `m.relates_to`): an event that edits, deletes, reacts to or
 * replies to an earlier message of the same room. Each is an ordinary sequenced room event, so resume,
 * dedupe and gap fill treat it like any other; its `relation` names the type and the target in clear
 * (the server enforces authorship and limits on them), while its content (the new text, the emoji, the
 * reply) is the event's body in open rooms and its encrypted envelope in private ones.
 */
export const KNOWN_RELATION_TYPES = ['edit', 'delete', 'reaction', 'reply'] as const;
/** A relation type this version knows. */
export type KnownRelationType = (typeof KNOWN_RELATION_TYPES)[number];

/**
 * The relation an event carries, as events show it. `type` is open text so that a client meeting a type
 * from a later version still parses the event (and shows it as a plain message); `seq` is the target's.
 */
export const Relation = z.object({
  type: z.string().min(1).max(32),
  eventId: z.uuid(),
  seq: z.number().int().positive(),
});
export type Relation = z.infer<typeof Relation>;

/**
 * The relation a send asks for: an edit (the author's new text), a reaction (one emoji; toggled off
 * by deleting the reaction event), or a reply. Deletes have their own request (they carry no content).
 */
export const RelatesTo = z.object({ type: z.enum(['edit', 'reaction', 'reply']), eventId: z.uuid() }).strict();
export type RelatesTo = z.infer<typeof RelatesTo>;

/** Whether a relation type is one this version understands. */
export function isKnownRelation(type: string): type is KnownRelationType {
  return (KNOWN_RELATION_TYPES as readonly string[]).includes(type);
}

/** How many reactions one user may have on one message at once. */
export const MAX_REACTIONS_PER_USER = 20;
/** How many reactions (of everyone) one message may carry at once. */
export const MAX_REACTIONS_PER_MESSAGE = 500;

/** Reactions that are not emoji but are accepted anyway: one grapheme each. */
export const REACTION_SYMBOLS: readonly string[] = ['+', '-', '?', '!', '✓', '✔', '✗', '✘', '★', '♥'];

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// `\p{RGI_Emoji}` (Unicode's recommended emoji, sequences included) needs the `v` flag, built at run
// time so the source still compiles for ES2022.
const SINGLE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

/**
 * Whether `key` is an acceptable reaction: exactly one grapheme cluster (UAX #29, via Intl.Segmenter)
 * that is either one of REACTION_SYMBOLS or a single RGI emoji (UTS #51), variation selectors included.
 * Arbitrary text, two emoji, or a letter are refused.
 */
export function isReactionKey(key: string): boolean {
  if (key.length === 0 || key.length > 64) return false;
  const graphemes = [...segmenter.segment(key)];
  if (graphemes.length !== 1) return false;
  if (REACTION_SYMBOLS.includes(key)) return true;
  // A text-presentation symbol (❤ without U+FE0F) counts as the emoji it presents.
  return SINGLE_EMOJI.test(key) || SINGLE_EMOJI.test(`${key}\uFE0F`);
}

/** A reaction key as sent in an open room's body: see isReactionKey. */
export const ReactionKey = z.string().refine(isReactionKey, 'a reaction is one emoji (or one of + - ? ! ✓ ✗ ★ ♥)');

/** `PUT /rooms/:room/read-marker`: this user has read the room up to `seq` (never moves back). */
export const ReadMarkerRequest = z.object({ seq: z.number().int().nonnegative() }).strict();
export type ReadMarkerRequest = z.infer<typeof ReadMarkerRequest>;

/** A user's read marker in one room: the highest seq read. */
export const ReadMarker = z.object({ roomId: z.uuid(), seq: z.number().int().nonnegative() });
export type ReadMarker = z.infer<typeof ReadMarker>;

/** `GET /read-markers`: every read marker of the caller. */
export const ReadMarkerList = z.object({ markers: z.array(ReadMarker) });
export type ReadMarkerList = z.infer<typeof ReadMarkerList>;

/** `DELETE /rooms/:room/messages/:seq` answers the delete event it committed. */
export const DeleteMessageResult = z.object({ id: z.uuid(), seq: z.number().int().positive() });
export type DeleteMessageResult = z.infer<typeof DeleteMessageResult>;
