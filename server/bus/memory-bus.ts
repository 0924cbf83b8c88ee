import type { Bus } from './bus.js';

/**
 * The in-process Bus for a single instance. Delivery is asynchronous (a microtask later), like a real
 * bus, so nothing comes to depend on publish running handlers inline.
 */
export class MemoryBus implements Bus {
  private readonly handlers = new Map<string, (message: string) => void>();

  async publish(channel: string, message: string): Promise<void> {
    queueMicrotask(() => this.handlers.get(channel)?.(message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    this.handlers.set(channel, handler);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.handlers.delete(channel);
  }

  onReconnect(_handler: () => void): void {
    // An in-process bus never disconnects.
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
