import type { SqlStore } from './sql-store.js';

/**
 * Gives every message stored without search terms (before migration 011) its terms, batch after
 * batch, until none is left; the server runs it in the background at start. Stopping midway loses
 * nothing: the next run picks up the messages still without terms. Returns how many were written.
 * `onBatch` hears the running total after each batch.
 */
export async function reindexSearch(store: Pick<SqlStore, 'reindexSearchBatch'>, onBatch?: (done: number) => void, batch?: number): Promise<number> {
  let done = 0;
  for (;;) {
    const n = await store.reindexSearchBatch(batch);
    if (n === 0) return done;
    done += n;
    onBatch?.(done);
  }
}
