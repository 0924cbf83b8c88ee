import { z } from 'zod';
import { UserRef } from './events.js';
import { TextField } from './text-field.js';

/** Words of a message around a match: `highlights` are [start, end) offsets of the matched words in `text`. */
export const Snippet = z.object({
  text: z.string(),
  highlights: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])),
});
export type Snippet = z.infer<typeof Snippet>;

const DateParam = z.iso.datetime({ offset: true });

/** The most characters (UTF-16 code units, spaces around it not counted) a search query `q` may have. */
export const SEARCH_QUERY_MAX = 256;

/**
 * Why `q` is too long to search, as one sentence for the user without a final full stop; null when it
 * is not. The same limit as {@link SearchQuery}'s `q`, checked by every client before it asks the
 * server or searches its own index of private rooms (shared/search/query.ts `unsearchableQuery`,
 * shared/client/search-everywhere.ts).
 */
export function searchQueryTooLong(q: string): string | null {
  return q.trim().length > SEARCH_QUERY_MAX ? `the search is too long: at most ${SEARCH_QUERY_MAX} characters` : null;
}

/**
 * Server-side search over the open rooms the caller is a member of. `q` is web-search syntax:
 * words (all must match), "quoted phrases", `or`, and -excluded words. `room` is an id or a name,
 * `from` a username; `since`/`until` bound the time; `offset` pages through the ranked list.
 */
export const SearchQuery = z
  .object({
    q: TextField().trim().min(1, 'say what to search for').max(SEARCH_QUERY_MAX),
    room: TextField().min(1).max(64).optional(),
    from: TextField().min(1).max(64).optional(),
    since: DateParam.optional(),
    until: DateParam.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).max(100).default(0),
  })
  .refine((q) => q.since === undefined || q.until === undefined || Date.parse(q.since) <= Date.parse(q.until), 'since must not be after until');
export type SearchQuery = z.input<typeof SearchQuery>;
/** A query as the server sees it, defaults filled in. */
export type ParsedSearchQuery = z.output<typeof SearchQuery>;

export const SearchHit = z.object({
  roomId: z.uuid(),
  roomName: z.string(),
  eventId: z.uuid(),
  seq: z.number().int().positive(),
  sender: UserRef,
  /** When the message was sent; an edited message keeps its send time (Slack and Element show it so), see `editedAt`. */
  createdAt: z.iso.datetime(),
  /** When the edit whose text the hit shows was made; absent for a message never edited (every client marks a hit with it "edited"). */
  editedAt: z.iso.datetime().optional(),
  /** Relevance within this answer; higher is better. Not comparable across answers. */
  score: z.number(),
  snippet: Snippet,
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResults = z.object({
  hits: z.array(SearchHit),
  /** Whether a next page (offset + limit) has more. */
  hasMore: z.boolean(),
});
export type SearchResults = z.infer<typeof SearchResults>;
