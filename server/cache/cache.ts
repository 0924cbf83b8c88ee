/**
 * Short-lived key/value state shared by the instances: WebSocket tickets now, search and summary
 * results later. In-process by default, Redis when configured.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Reads and deletes in one step: of several concurrent takes, exactly one gets the value. */
  take(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * For caches of results that can be made again (search, summaries): a cache that cannot be reached
 * (Redis restarting) is a miss, and a write that fails is skipped, rather than failing the request.
 */
export const softCache = {
  get: (cache: Cache, key: string): Promise<string | null> => cache.get(key).catch(() => null),
  set: (cache: Cache, key: string, value: string, ttlMs: number): Promise<void> => cache.set(key, value, ttlMs).catch(() => undefined),
};
