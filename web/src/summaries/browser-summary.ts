import { privateConversation } from '../../../shared/client/index.js';
import type { ApiClient, E2ESession } from '../../../shared/client/index.js';
import type { Room, Summary, SummaryProvider, SummaryType } from '../../../shared/protocol/index.js';
import { summarize } from '../../../shared/summarize/summarize.js';

/** How many of the newest messages a summary covers (the CLI's default). */
const LIMIT = 500;

/** What a summary in progress tells the panel. */
export interface SummaryProgress {
  /** The provider, before a model's answer streams (open rooms with a model on the server). */
  readonly onStart?: (provider: SummaryProvider) => void;
  /** A piece of the model's answer, as it arrives. */
  readonly onText?: (delta: string) => void;
  /** A step of a private room's summary on this device ("decrypting 120 messages"). */
  readonly onStep?: (step: string) => void;
}

/**
 * A room's summary made for the browser. Open rooms: by the server (its provider, streamed as
 * NDJSON while the model writes, or its offline summarizer). Private rooms: the newest messages are
 * fetched and decrypted here and summarized by the offline summarizer on this device (the same as
 * the CLI's, shared/summarize), so the plaintext never leaves the browser. No remote provider is
 * called from the page: that would need the page's Content-Security-Policy (`default-src 'self'`, which covers connections)
 * to allow the provider's origin, for every page of the app. `unread` counts private messages left
 * out because their keys have not arrived. Rejects with the server's ChatError.
 */
export async function summarizeInBrowser(api: ApiClient, e2e: E2ESession, room: Room, type: SummaryType, progress: SummaryProgress = {}): Promise<{ summary: Summary; unread: number }> {
  if (room.visibility === 'open') {
    const summary = await api.summarize(room.id, { type, limit: LIMIT }, { onStart: (p) => progress.onStart?.(p), onText: (d) => progress.onText?.(d) });
    return { summary, unread: 0 };
  }
  progress.onStep?.('Fetching and decrypting the newest messages on this device…');
  const { lines, unread } = await privateConversation(api, e2e, room.id, { limit: LIMIT });
  progress.onStep?.(`Summarizing ${lines.length} message${lines.length === 1 ? '' : 's'} on this device…`);
  return { summary: await summarize(lines, type), unread };
}
