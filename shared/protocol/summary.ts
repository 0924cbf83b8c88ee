import { z } from 'zod';

/**
 * `general`: a short paragraph; `detailed`: the discussion in order with its decisions;
 * `bullets`: the key points as a list; `topics`: the subjects discussed, each with its gist.
 */
export const SummaryType = z.enum(['general', 'detailed', 'bullets', 'topics']);
export type SummaryType = z.infer<typeof SummaryType>;

/**
 * Which messages to summarize: the newest `limit` messages, none older than `since`. `columns`: the
 * reader's line width (a terminal's columns, 20 to 1000), which the offline summary's quotes are cut
 * to (default 100); a model's text is not cut.
 */
export const SummaryRequest = z.object({
  type: SummaryType.default('general'),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(5000).default(500),
  columns: z.number().int().min(20).max(1000).optional(),
});
export type SummaryRequest = z.input<typeof SummaryRequest>;
export type ParsedSummaryRequest = z.output<typeof SummaryRequest>;

/** Who said how much, and what about. */
export const ParticipantSummary = z.object({
  username: z.string(),
  messages: z.number().int().nonnegative(),
  words: z.number().int().nonnegative(),
  /** Their share of all words, 0..1. */
  share: z.number().min(0).max(1),
  /** Their most central sentences, in order. */
  mainPoints: z.array(z.string()),
  topics: z.array(z.string()),
});
export type ParticipantSummary = z.infer<typeof ParticipantSummary>;

export const SummaryProvider = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('openai'), model: z.string(), baseUrl: z.string() }),
  /** The built-in extractive summarizer: no model, nothing leaves the machine. */
  z.object({ kind: z.literal('offline') }),
]);
export type SummaryProvider = z.infer<typeof SummaryProvider>;

export const TokenUsage = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

/**
 * The media type of a streamed summary (ask with `Accept:`): one JSON object per line — `{provider}`
 * and `{delta}`s as the model writes (none for a cached or offline summary), then `{summary}`, or
 * `{error}` if it fails after the stream began.
 */
export const SUMMARY_STREAM = 'application/x-ndjson';

export const Summary = z.object({
  type: SummaryType,
  text: z.string(),
  topics: z.array(z.string()),
  participants: z.array(ParticipantSummary),
  /** The messages it covers. */
  range: z.object({ messages: z.number().int().nonnegative(), from: z.iso.datetime().nullable(), to: z.iso.datetime().nullable() }),
  provider: SummaryProvider,
  /** How many parts a long history was cut into (1 when it fit at once). */
  chunks: z.number().int().nonnegative(),
  /** Tokens the model used, summed over every call; null for the offline summarizer. */
  usage: TokenUsage.nullable(),
});
export type Summary = z.infer<typeof Summary>;

/** One line of a streamed summary. */
export const SummaryStreamLine = z.union([
  z.object({ provider: SummaryProvider }),
  z.object({ delta: z.string() }),
  z.object({ summary: Summary }),
  z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
]);
