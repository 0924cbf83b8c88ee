import type { RoomEvent } from '../../shared/protocol/index.js';
import type { NewMessage, Store, StoreResult } from '../store/store.js';

type AppendResult = StoreResult<{ event: RoomEvent; duplicate: boolean }>;

interface Pending {
  readonly message: NewMessage;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

export interface AppendBatcherOptions {
  /** The most messages in one call. */
  readonly maxBatch: number;
  /** The most calls under way at once. */
  readonly maxInFlight: number;
}

/**
 * Group commit for sends. A send waits at most one tick; the sends gathered meanwhile (and, under
 * load, all that arrived while earlier calls were under way) go to the store in one call: one round
 * trip and one commit for many messages. Alone, a send costs what it did before. A batch is sorted by
 * room so concurrent batches take room locks in one order; if a batch fails, its messages are retried
 * one by one so one bad message cannot fail its neighbours.
 */
export class AppendBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly options: AppendBatcherOptions = { maxBatch: 256, maxInFlight: 4 },
  ) {}

  append(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  private async run(batch: Pending[]): Promise<void> {
    // A stable sort: one room's messages keep their order.
    const sorted = batch.map((p, i) => ({ p, i })).sort((a, b) => (a.p.message.roomId < b.p.message.roomId ? -1 : a.p.message.roomId > b.p.message.roomId ? 1 : a.i - b.i)).map((x) => x.p);
    try {
      const results = await this.store.appendMessages(sorted.map((p) => p.message));
      sorted.forEach((p, i) => p.resolve(results[i] as AppendResult));
    } catch (error) {
      if (sorted.length === 1) {
        sorted[0]?.reject(error);
        return;
      }
      for (const p of sorted) {
        try {
          p.resolve((await this.store.appendMessages([p.message]))[0] as AppendResult);
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }
}
