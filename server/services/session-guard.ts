import { LRUCache } from 'lru-cache';
import { ChatError } from '../../shared/protocol/index.js';
import type { SessionRecord, Store } from '../store/store.js';
import type { AccessClaims } from './tokens.js';

/** What the guard remembers of a session. Revocation is final, so a revoked entry never goes stale. */
interface SessionState {
  readonly userId: string;
  readonly deviceId: string;
  readonly revoked: boolean;
}

/** How many sessions one store read of `liveAmong` asks about. */
const SWEEP_BATCH = 1_000;

/** Whether a known session is live and is the one the token names (same user and device). */
function isLiveFor(state: SessionState, claims: AccessClaims): boolean {
  return !state.revoked && state.userId === claims.userId && state.deviceId === claims.deviceId;
}

export interface SessionGuardOptions {
  readonly store: Store;
  /** How long a "live" answer is trusted without the store, in ms (default 5 s): the bus is only a hint. */
  readonly ttlMs?: number;
  /** How many sessions are remembered (default 10 000). */
  readonly max?: number;
}

/**
 * Answers whether an access token's session (and its device) is still live, from an in-process cache
 * that the bus's revoke notices invalidate and that expires after a few seconds anyway, so a lost
 * notice delays a revocation on this instance by at most the TTL.
 */
export class SessionGuard {
  private readonly cache: LRUCache<string, SessionState>;
  /** Bumped by every invalidation, so a store read that raced one is not cached. */
  private generation = 0;
  /** Sessions asked for in this turn of the event loop, read together at its end. */
  private batch: PendingBatch | undefined;

  constructor(private readonly options: SessionGuardOptions) {
    this.cache = new LRUCache<string, SessionState>({ max: options.max ?? 10_000, ttl: options.ttlMs ?? 5_000 });
  }

  /** Throws `session_revoked` when the token's session is unknown, revoked, or not the token's. */
  async check(claims: AccessClaims): Promise<void> {
    const state = await this.state(claims.sessionId);
    if (!state || !isLiveFor(state, claims)) {
      throw new ChatError('session_revoked', 'this session was signed out or revoked; sign in again');
    }
  }

  /** Whether the session is live, without throwing. */
  async isLive(claims: AccessClaims): Promise<boolean> {
    try {
      await this.check(claims);
      return true;
    } catch (error) {
      if (error instanceof ChatError && error.code === 'session_revoked') return false;
      throw error;
    }
  }

  /**
   * Which of many tokens' sessions are still live, answered from the cache and, for the sessions it
   * does not hold, one store read per `SWEEP_BATCH` sessions: the periodic sweep of open sockets asks
   * this, so its cost does not grow into one query per socket. Throws what the store throws.
   */
  async liveAmong(claims: readonly AccessClaims[]): Promise<Set<string>> {
    const missing = [...new Set(claims.map((c) => c.sessionId).filter((id) => !this.cache.has(id)))];
    const generation = this.generation;
    for (let i = 0; i < missing.length; i += SWEEP_BATCH) {
      for (const record of await this.options.store.findSessions(missing.slice(i, i + SWEEP_BATCH))) {
        const state: SessionState = { userId: record.userId, deviceId: record.deviceId, revoked: record.revokedAt !== null };
        if (generation === this.generation || state.revoked) this.cache.set(record.id, state);
      }
    }
    const live = new Set<string>();
    for (const c of claims) {
      // A session the store no longer knows, or whose read an invalidation overtook, is asked alone.
      const state = this.cache.get(c.sessionId) ?? (await this.state(c.sessionId));
      if (state && isLiveFor(state, c)) live.add(c.sessionId);
    }
    return live;
  }

  /** Forgets what is known of a device's sessions (or one session), after a revoke notice. */
  invalidate(target: { readonly deviceId: string; readonly sessionId?: string }): void {
    this.generation++;
    if (target.sessionId) this.cache.delete(target.sessionId);
    for (const [id, state] of this.cache.entries()) if (state.deviceId === target.deviceId) this.cache.delete(id);
  }

  /** Forgets everything (after the bus reconnects, when notices may have been missed). */
  clear(): void {
    this.generation++;
    this.cache.clear();
  }

  private async state(sessionId: string): Promise<SessionState | null> {
    const cached = this.cache.get(sessionId);
    if (cached) return cached;
    const generation = this.generation;
    const record = await this.load(sessionId);
    if (!record) return null;
    const state: SessionState = { userId: record.userId, deviceId: record.deviceId, revoked: record.revokedAt !== null };
    if (generation === this.generation || state.revoked) this.cache.set(sessionId, state);
    return state;
  }

  /**
   * One session's record, read together with every other session asked for in the same turn of the
   * event loop (one `findSessions` per `SWEEP_BATCH`), so that a reconnect storm after a restart —
   * thousands of upgrades with a cold cache — costs a few store reads instead of one per socket.
   * Two asks for one session in a turn share the read.
   */
  private load(sessionId: string): Promise<SessionRecord | null> {
    let batch = this.batch;
    if (!batch) {
      const created: PendingBatch = { waiting: new Map() };
      this.batch = batch = created;
      setImmediate(() => {
        this.batch = undefined;
        void this.flush(created);
      });
    }
    let waiting = batch.waiting.get(sessionId);
    if (!waiting) {
      let resolve!: (record: SessionRecord | null) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<SessionRecord | null>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      waiting = { promise, resolve, reject };
      batch.waiting.set(sessionId, waiting);
    }
    return waiting.promise;
  }

  private async flush(batch: PendingBatch): Promise<void> {
    const ids = [...batch.waiting.keys()];
    for (let i = 0; i < ids.length; i += SWEEP_BATCH) {
      const slice = ids.slice(i, i + SWEEP_BATCH);
      try {
        const found = new Map((await this.options.store.findSessions(slice)).map((record) => [record.id, record]));
        for (const id of slice) batch.waiting.get(id)?.resolve(found.get(id) ?? null);
      } catch (error) {
        for (const id of slice) batch.waiting.get(id)?.reject(error);
      }
    }
  }
}

/** The sessions asked for in one turn of the event loop, each with the callers waiting for it. */
interface PendingBatch {
  readonly waiting: Map<string, { promise: Promise<SessionRecord | null>; resolve: (record: SessionRecord | null) => void; reject: (error: unknown) => void }>;
}
