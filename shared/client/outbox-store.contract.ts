import { describe, expect, it } from 'vitest';
import type { OutboxItem, OutboxStore } from './outbox-store.js';

const ROOM = '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';

function item(n: number, fields: Partial<OutboxItem> = {}): OutboxItem {
  return { clientMsgId: `9b2e4c6a-1d3f-4e5a-8b7c-${n.toString(16).padStart(12, '0')}`, roomId: ROOM, private: n % 2 === 0, text: `message ${n}`, queuedAt: 1_000 + n, ...fields };
}

/**
 * The behaviour every OutboxStore must have. Each implementation's test file calls this with a factory
 * that may be called twice on the same place (`reopen`), as a client restarting would.
 */
export function describeOutboxStoreContract(name: string, open: () => Promise<{ store: OutboxStore; reopen: () => OutboxStore }>): void {
  describe(`OutboxStore contract: ${name}`, () => {
    it('keeps each message as one record, replaced by clientMsgId and removed once sent', async () => {
      const { store } = await open();
      expect(await store.list()).toEqual([]);
      await store.put(item(1));
      await store.put(item(2));
      await store.put(item(1, { failed: { code: 'forbidden', message: 'not a member' } }));
      const byId = (list: OutboxItem[]) => [...list].sort((a, b) => a.queuedAt - b.queuedAt);
      expect(byId(await store.list())).toEqual([item(1, { failed: { code: 'forbidden', message: 'not a member' } }), item(2)]);
      await store.remove(item(1).clientMsgId);
      await store.remove(item(7).clientMsgId);
      expect(await store.list()).toEqual([item(2)]);
    });

    it('gives the kept messages to the next run', async () => {
      const { store, reopen } = await open();
      await store.put(item(3, { text: 'typed before quitting 👋\nsecond line' }));
      expect(await reopen().list()).toEqual([item(3, { text: 'typed before quitting 👋\nsecond line' })]);
    });

    it('keeps a queued relation (an edit, a delete) with its target, for the next run', async () => {
      const { store, reopen } = await open();
      const edit = item(4, { text: 'fixed', relation: { type: 'edit', eventId: ROOM, seq: 12 } });
      const del = item(5, { text: '', relation: { type: 'delete', eventId: ROOM, seq: 13 } });
      await store.put(edit);
      await store.put(del);
      expect([...(await reopen().list())].sort((a, b) => a.queuedAt - b.queuedAt)).toEqual([edit, del]);
    });
  });
}
