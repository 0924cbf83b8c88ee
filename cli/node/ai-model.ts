import OpenAI from 'openai';
import { ChatError } from '../../shared/protocol/index.js';
import { DEFAULT_AI_BASE_URL, DEFAULT_AI_MODEL } from '../../shared/summarize/index.js';
import type { ModelConfig } from '../../shared/summarize/index.js';

/**
 * The user's own AI provider for summaries made on this device (private rooms), from
 * OPENAI_API_KEY / OPENAI_BASE_URL / CHAT_AI_MODEL / CHAT_AI_CONTEXT_TOKENS; none when neither the
 * key nor a base URL is set (then the offline summarizer answers).
 */
export function modelFromEnv(env: Readonly<Record<string, string | undefined>>): (ModelConfig & { baseUrl: string }) | undefined {
  const apiKey = env.OPENAI_API_KEY || undefined;
  const base = env.OPENAI_BASE_URL || undefined;
  if (!apiKey && !base) return undefined;
  const baseUrl = base ?? DEFAULT_AI_BASE_URL;
  if (!/^https?:\/\/[^/]/.test(baseUrl) || !URL.canParse(baseUrl)) throw new ChatError('invalid_request', `OPENAI_BASE_URL: "${baseUrl}" is not an http(s) URL`);
  const contextTokens = env.CHAT_AI_CONTEXT_TOKENS ? Number(env.CHAT_AI_CONTEXT_TOKENS) : 16_000;
  if (!Number.isInteger(contextTokens) || contextTokens < 2_000) throw new ChatError('invalid_request', 'CHAT_AI_CONTEXT_TOKENS: a whole number of tokens, 2000 or more');
  return {
    // A local server may need no key; the SDK insists on one.
    client: new OpenAI({ apiKey: apiKey ?? 'none', baseURL: baseUrl, maxRetries: 2, timeout: 120_000 }),
    model: env.CHAT_AI_MODEL || DEFAULT_AI_MODEL,
    baseUrl,
    contextTokens,
  };
}
