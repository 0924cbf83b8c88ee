import { ChatError } from '../protocol/index.js';
import type { Summary, SummaryType } from '../protocol/index.js';
import { analyze } from './analysis.js';
import type { ConversationLine } from './analysis.js';
import { summarizeWithModel } from './ai-summarizer.js';
import type { ModelConfig } from './ai-summarizer.js';
import { summarizeOffline } from './offline-summarizer.js';

export interface SummarizeOptions {
  /** The model to use; without one the offline summarizer answers. */
  readonly model?: ModelConfig & { readonly baseUrl: string };
  /** Receives the model's answer as it streams. */
  readonly onText?: (delta: string) => void;
  readonly signal?: AbortSignal;
  /**
   * The reader's line width (terminal columns): the offline summary's quoting lines fit it (default
   * SUMMARY_COLUMNS, see summarizeOffline). A model's text is not cut.
   */
  readonly columns?: number;
}

/** What went wrong with the provider, in words a user can act on. */
function providerError(error: unknown, baseUrl: string): ChatError {
  const e = error as { status?: number; message?: string; name?: string };
  if (e.name === 'AbortError' || e.name === 'APIUserAbortError') return new ChatError('unavailable', 'the summary was cancelled');
  const why =
    e.status === 401 || e.status === 403
      ? 'refused the API key'
      : e.status === 404
        ? 'does not know this model'
        : e.status === 429
          ? 'is rate limiting or out of quota'
          : e.status
            ? `answered ${e.status}`
            : 'could not be reached';
  return new ChatError('provider_failed', `the AI provider at ${baseUrl} ${why}${e.message ? ` (${e.message.split('\n')[0]})` : ''}`, { cause: error });
}

/**
 * A `provider_failed` message (see providerError) split into what failed — `the AI provider at URL
 * answered 500` — and the provider's own words (the first line of its error, which the message quotes
 * last, in parentheses), null when it gave none. A message of another shape is all `what`.
 */
export function providerFailureParts(message: string): { readonly what: string; readonly said: string | null } {
  const m = /^(the AI provider at \S+ [^(]*?) \((.*)\)$/s.exec(message);
  return m ? { what: m[1] ?? message, said: m[2] ?? null } : { what: message, said: null };
}

/**
 * A summary of the conversation of the type asked for, with who said how much and what about.
 * The participant analysis and topics are always computed here; the text comes from the model when
 * one is configured, and from the offline extractive summarizer otherwise.
 */
export async function summarize(lines: readonly ConversationLine[], type: SummaryType, options: SummarizeOptions = {}): Promise<Summary> {
  const range = { messages: lines.length, from: lines[0]?.at ?? null, to: lines.at(-1)?.at ?? null };
  const { model } = options;
  if (!model || lines.length === 0) {
    const { text, analysis } = summarizeOffline(lines, type, options.columns);
    return { type, text, topics: analysis.topics.map((t) => t.label), participants: [...analysis.participants], range, provider: { kind: 'offline' }, chunks: lines.length ? 1 : 0, usage: null };
  }
  const analysis = analyze(lines);
  let answer;
  try {
    answer = await summarizeWithModel(lines, type, model, options);
  } catch (error) {
    throw providerError(error, model.baseUrl);
  }
  return {
    type,
    text: answer.text,
    topics: analysis.topics.map((t) => t.label),
    participants: [...analysis.participants],
    range,
    provider: { kind: 'openai', model: model.model, baseUrl: model.baseUrl },
    chunks: answer.chunks,
    usage: answer.usage,
  };
}

/** Whether a provider URL stays on this machine (then private plaintext never leaves it). */
export function isLocalUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
