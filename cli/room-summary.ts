import { privateConversation } from '../shared/client/index.js';
import type { ApiClient, E2ESession } from '../shared/client/index.js';
import { ChatError } from '../shared/protocol/index.js';
import type { Room, Summary, SummaryType } from '../shared/protocol/index.js';
import { isLocalUrl, summarize } from '../shared/summarize/index.js';
import { modelFromEnv } from './node/ai-model.js';
import type { ProfileConfig } from './node/profile-config.js';

export interface SummarySources {
  readonly api: ApiClient;
  readonly e2e: () => Promise<E2ESession>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly config: ProfileConfig;
  readonly profileName: string;
}

export interface SummaryOptions {
  readonly type: SummaryType;
  readonly since?: string | undefined;
  readonly limit: number;
  /** How the room is named to the user (`#name`, `@peer` for a direct message; see roomTitle), neutralized; default `#name`. */
  readonly title?: string;
  /**
   * Asked when a private room's plaintext would go to a remote provider for the first time; true
   * agrees (and is remembered for this room and provider).
   */
  readonly consent: (what: { room: Room; model: string; host: string }) => Promise<boolean>;
  /** Receives a model's answer as it streams (from the server's model for open rooms, the user's for private ones). */
  readonly onText?: (delta: string) => void;
  /** Called before a model starts streaming, with the provider it uses. */
  readonly onStart?: (provider: Summary['provider']) => void;
  readonly signal?: AbortSignal;
  /** The terminal's columns: the offline summary's quotes are cut to fit them (default 100; see summarizeOffline). */
  readonly columns?: number | undefined;
}

/**
 * A room's summary. Open rooms: made by the server (its provider, or offline). Private rooms:
 * decrypted and summarized here — with the user's own provider (OPENAI_API_KEY / OPENAI_BASE_URL)
 * only after consent, unless it runs on this machine, and offline otherwise.
 * `unread` counts private messages left out because their keys have not arrived.
 */
export async function summarizeRoom(src: SummarySources, room: Room, opts: SummaryOptions): Promise<{ summary: Summary; unread: number; streamed: boolean }> {
  if (room.visibility === 'open') {
    let streamed = false;
    const onText = opts.onText;
    const stream = onText
      ? {
          onStart: (provider: Summary['provider']) => {
            streamed = true;
            opts.onStart?.(provider);
          },
          onText,
        }
      : undefined;
    const request = { type: opts.type, limit: opts.limit, ...(opts.since ? { since: opts.since } : {}), ...(opts.columns !== undefined ? { columns: opts.columns } : {}) };
    const summary = await src.api.summarize(room.id, request, stream);
    return { summary, unread: 0, streamed };
  }
  const model = modelFromEnv(src.env);
  if (model && !isLocalUrl(model.baseUrl) && !src.config.hasAiConsent(src.profileName, room.id, model.baseUrl)) {
    const host = new URL(model.baseUrl).host;
    if (!(await opts.consent({ room, model: model.model, host }))) {
      throw new ChatError(
        'invalid_request',
        `not sending ${opts.title ?? `#${room.name}`}'s messages to ${host}: agree with --yes (asked once per room), or unset OPENAI_API_KEY for the offline summary that stays on this device`,
      );
    }
    src.config.setAiConsent(src.profileName, room.id, model.baseUrl);
  }
  const e2e = await src.e2e();
  const { lines, unread } = await privateConversation(src.api, e2e, room.id, { since: opts.since, limit: opts.limit });
  const streamed = model !== undefined && lines.length > 0 && opts.onText !== undefined;
  if (streamed) opts.onStart?.({ kind: 'openai', model: model.model, baseUrl: model.baseUrl });
  const summary = await summarize(lines, opts.type, {
    ...(model ? { model } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(streamed && opts.onText ? { onText: opts.onText } : {}),
    ...(opts.columns !== undefined ? { columns: opts.columns } : {}),
  });
  return { summary, unread, streamed };
}
