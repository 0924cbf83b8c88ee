import type { Store } from '../store/store.js';

/** How long (ms) a device's recorded last-seen time may lag: one write per device per this, at most. */
export const LAST_SEEN_INTERVAL_MS = 5 * 60 * 1000;
/** Devices remembered as recently written before the oldest are forgotten (bounds memory). */
const MAX_REMEMBERED = 50_000;

interface Waiter {
  readonly resolve: () => void;
}

/**
 * When each device was last seen (an authenticated request or a socket opened), written with little
 * write amplification: a device is written at most once per `intervalMs` by this instance (the store
 * also skips a row written less than `intervalMs` before, so instances do not repeat each other), and
 * the devices seen while one write is under way go together in the next (one statement for all).
 * A failed write is reported to `onError` and never fails the request that caused it.
 */
export class DeviceActivity {
  /** By device id: when (ms) this instance last wrote, or is writing, its last-seen time. */
  private readonly written = new Map<string, number>();
  private pending = new Map<string, Date>();
  private waiters: Waiter[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: { now: () => number; onError: (error: unknown) => void; intervalMs?: number },
  ) {}

  private get intervalMs(): number {
    return this.options.intervalMs ?? LAST_SEEN_INTERVAL_MS;
  }

  /**
   * Notes that the device was seen now. Resolves at once when its time was written less than the
   * interval ago, else once the write that carries it is done (failed or not).
   */
  seen(deviceId: string): Promise<void> {
    const now = this.options.now();
    const last = this.written.get(deviceId);
    if (last !== undefined && now - last < this.intervalMs) return Promise.resolve();
    this.remember(deviceId, now);
    this.pending.set(deviceId, new Date(now));
    const done = new Promise<void>((resolve) => this.waiters.push({ resolve }));
    this.running ??= this.drain();
    return done;
  }

  /** Resolves once every noted device has been written (or failed). */
  async flush(): Promise<void> {
    await this.running;
  }

  private remember(deviceId: string, at: number): void {
    this.written.delete(deviceId);
    this.written.set(deviceId, at);
    // Map keeps insertion order, and a rewrite moves a device to the end: the first is the oldest.
    while (this.written.size > MAX_REMEMBERED) {
      const oldest = this.written.keys().next().value as string;
      this.written.delete(oldest);
    }
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = [...this.pending].map(([deviceId, at]) => ({ deviceId, at }));
      const waiters = this.waiters;
      this.pending = new Map();
      this.waiters = [];
      try {
        await this.store.touchDevicesLastSeen(batch, this.intervalMs);
      } catch (error) {
        // Tried again when the device is next seen.
        for (const { deviceId } of batch) this.written.delete(deviceId);
        this.options.onError(error);
      }
      for (const w of waiters) w.resolve();
    }
    this.running = undefined;
  }
}
