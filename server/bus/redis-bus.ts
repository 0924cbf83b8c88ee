import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Bus } from './bus.js';

/**
 * The Bus over Redis pub/sub, joining instances. Publishing never waits for Redis: while it is down
 * a publish is dropped (the bus is fire-and-forget), and subscribers catch up from the store when the
 * connection returns (onReconnect) or at their periodic position check.
 */
export class RedisBus implements Bus {
  private readonly handlers = new Map<string, (message: string) => void>();
  private readonly reconnectHandlers: (() => void)[] = [];
  private readonly sub: Redis;
  private readyOnce = false;

  constructor(
    private readonly pub: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    // A subscribed connection can do nothing else, so it is a second one; ioredis resubscribes it
    // after a reconnect by itself (with no command timeout, so a slow resubscribe is not given up on).
    this.sub = pub.duplicate({ enableOfflineQueue: true, lazyConnect: false, maxRetriesPerRequest: null, commandTimeout: undefined });
    this.sub.on('message', (channel: string, message: string) => this.handlers.get(channel.slice(prefix.length))?.(message));
    this.sub.on('ready', () => {
      if (this.readyOnce) {
        this.logger.info('bus reconnected to Redis; re-checking room positions');
        for (const handler of this.reconnectHandlers) handler();
      }
      this.readyOnce = true;
    });
    this.sub.on('error', (error: Error) => this.logger.warn({ err: error.message }, 'bus connection to Redis'));
  }

  async publish(channel: string, message: string): Promise<void> {
    this.pub.publish(this.prefix + channel, message).catch((error: unknown) => {
      this.logger.debug({ err: (error as Error).message, channel }, 'bus publish dropped');
    });
  }

  /**
   * Waits for Redis to confirm, but not for long: while Redis is away the subscription is queued and
   * made on reconnect, and the caller's store reads (gap fill, position checks) cover the meantime.
   */
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const fresh = !this.handlers.has(channel);
    this.handlers.set(channel, handler);
    if (!fresh) return;
    const subscribed = this.sub.subscribe(this.prefix + channel).catch((error: unknown) => {
      this.logger.warn({ err: (error as Error).message, channel }, 'bus subscribe failed');
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribed, new Promise((resolve) => (timer = setTimeout(resolve, 1_000)))]);
    clearTimeout(timer);
  }

  async unsubscribe(channel: string): Promise<void> {
    if (!this.handlers.delete(channel)) return;
    await this.sub.unsubscribe(this.prefix + channel).catch(() => undefined);
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.sub.disconnect();
  }
}
