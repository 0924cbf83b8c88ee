import { createHash } from 'node:crypto';
import { ChatError } from '../../shared/protocol/index.js';
import type { ParsedSummaryRequest, Summary, SummaryProvider } from '../../shared/protocol/index.js';
import { summarize } from '../../shared/summarize/index.js';
import type { ConversationLine, ModelConfig } from '../../shared/summarize/index.js';
import { softCache } from '../cache/cache.js';
import type { Cache } from '../cache/cache.js';
import type { Store } from '../store/store.js';
import { isOwnMessage } from '../../shared/client/relations.js';
import type { RoomService } from './room-service.js';

export interface SummaryServiceDeps {
  readonly store: Store;
  readonly cache: Cache;
  readonly rooms: RoomService;
  /** The server's AI provider; without one the offline summarizer answers. */
  readonly model?: (ModelConfig & { readonly baseUrl: string }) | undefined;
}

/** Summaries of a given room, type, range and head seq do not change; they are kept a day. */
const CACHE_TTL_MS = 24 * 3600_000;
const PAGE = 500;

/**
 * Summaries of open rooms, made with the server's provider (or offline) and cached by room, type,
 * range and head seq. Private rooms are summarized by their members' clients.
 */
export class SummaryService {
  /** Summaries being made right now, so that concurrent asks for the same one wait for it. */
  private readonly inFlight = new Map<string, Promise<Summary>>();

  constructor(private readonly deps: SummaryServiceDeps) {}

  /** Who writes this server's summaries. */
  get provider(): SummaryProvider {
    const m = this.deps.model;
    return m ? { kind: 'openai', model: m.model, baseUrl: m.baseUrl } : { kind: 'offline' };
  }

  /**
   * `onText` receives the model's answer as it is written, when this call is the one making the
   * summary (a cached summary, or one another request is already making, comes whole).
   */
  async summarize(userId: string, roomRef: string, req: ParsedSummaryRequest, onText?: (delta: string) => void): Promise<Summary> {
    const room = await this.deps.rooms.resolve(roomRef);
    await this.deps.rooms.requireMember(room, userId, roomRef);
    if (room.visibility === 'private') {
      throw new ChatError('invalid_request', `#${room.name} is end-to-end encrypted: the server cannot read it, so it is summarized on your device (chat summarize does that)`);
    }
    const head = await this.deps.store.headSeq(room.id);
    const model = this.deps.model ? `${this.deps.model.baseUrl}|${this.deps.model.model}` : 'offline';
    // The width only changes the offline summary (its quotes are cut to it), never a model's text.
    const key = `summary:${room.id}:${createHash('sha256').update(JSON.stringify([req.type, req.since, req.limit, model === 'offline' ? (req.columns ?? null) : null, head, model])).digest('base64url')}`;
    const cached = await softCache.get(this.deps.cache, key);
    if (cached) return JSON.parse(cached) as Summary;
    const running = this.inFlight.get(key);
    if (running) return running;
    const making = (async () => {
      const lines = await this.conversation(room.id, head, req);
      const summary = await summarize(lines, req.type, {
        ...(this.deps.model ? { model: this.deps.model } : {}),
        ...(onText ? { onText } : {}),
        ...(req.columns !== undefined ? { columns: req.columns } : {}),
      });
      await softCache.set(this.deps.cache, key, JSON.stringify(summary), CACHE_TTL_MS);
      return summary;
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, making);
    return making;
  }

  /** The newest `limit` messages up to `head`, none older than `since`, oldest first. */
  private async conversation(roomId: string, head: number, req: ParsedSummaryRequest): Promise<ConversationLine[]> {
    const since = req.since ? Date.parse(req.since) : -Infinity;
    const lines: ConversationLine[] = [];
    // Newest first: an edit (later seq) is met before its message, whose latest text it carries.
    const latest = new Map<string, string>();
    let before = head + 1;
    while (lines.length < req.limit && before > 1) {
      const events = await this.deps.store.listEvents(roomId, { beforeSeq: before, limit: PAGE });
      if (events.length === 0) break;
      let older = false;
      for (const e of [...events].reverse()) {
        if (Date.parse(e.createdAt) < since) {
          older = true;
          break;
        }
        if (e.kind !== 'message' || e.body === null) continue;
        if (e.relation?.type === 'edit') {
          if (!latest.has(e.relation.eventId)) latest.set(e.relation.eventId, e.body);
          continue;
        }
        // Reactions are not conversation; deleted messages have no body any more.
        if (!isOwnMessage(e)) continue;
        lines.push({ sender: e.sender.username, text: latest.get(e.id) ?? e.body, at: e.createdAt });
        if (lines.length >= req.limit) break;
      }
      if (older) break;
      before = (events[0] as { seq: number }).seq;
    }
    return lines.reverse();
  }
}
