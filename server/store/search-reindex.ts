/** A store that rewrites outdated search terms a batch at a time (SqlStore, MongoMessageStore). */
export interface SearchReindexer {
  /** Rewrites up to `limit` messages' outdated terms; how many it rewrote (0: none left). */
  reindexSearchBatch(limit?: number): Promise<number>;
}

/**
 * Rewrites the search terms of every message whose terms an older tokenizer wrote, or none (see
 * SEARCH_TERMS_VERSION in shared/search/tokens.ts; migration 012 marks every message stored before it),
 * batch after batch, until none is left; the server runs it in the background at start. Stopping
 * midway loses nothing: the next run picks up the messages not yet rewritten. Returns how many were
 * written. `onBatch` hears the running total after each batch.
 */
export async function reindexSearch(store: SearchReindexer, onBatch?: (done: number) => void, batch?: number): Promise<number> {
  let done = 0;
  for (;;) {
    const n = await store.reindexSearchBatch(batch);
    if (n === 0) return done;
    done += n;
    onBatch?.(done);
  }
}
