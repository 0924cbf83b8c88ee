import type { OutboxItem, OutboxStore } from './outbox-store.js';

/** An OutboxStore in memory: for tests, and for the web client (which warns before a page with pending messages unloads). */
export class MemoryOutboxStore implements OutboxStore {
  private readonly items = new Map<string, OutboxItem>();

  async list(): Promise<OutboxItem[]> {
    return [...this.items.values()];
  }

  async put(item: OutboxItem): Promise<void> {
    this.items.set(item.clientMsgId, item);
  }

  async remove(clientMsgId: string): Promise<void> {
    this.items.delete(clientMsgId);
  }
}
