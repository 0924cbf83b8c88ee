import { describe, expect, it } from 'vitest';
import { ChatError } from '../protocol/index.js';
import type { AckFrame } from '../protocol/index.js';
import type { OutboxItem, OutboxStore } from './outbox-store.js';
import { newestIsSending, Outbox } from './outbox.js';

describe('Outbox', () => {
  it('sends messages added in a burst in the order typed, even when the store finishes its writes in another order', async () => {
    // A store whose writes finish when the test says, the last one first.
    const writes: (() => void)[] = [];
    const items = new Map<string, OutboxItem>();
    const store: OutboxStore = {
      list: async () => [...items.values()],
      put: (item) =>
        new Promise<void>((resolve) => {
          writes.push(() => {
            items.set(item.clientMsgId, item);
            resolve();
          });
        }),
      remove: async (id) => void items.delete(id),
    };
    const sent: string[] = [];
    let n = 0;
    const outbox = new Outbox({
      store,
      clock: { now: () => 0, setTimeout: () => null, clearTimeout: () => {} },
      newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
      transport: {
        sendBody: async (_room, body) => {
          sent.push(body);
          return { type: 'ack', seq: sent.length } as unknown as AckFrame;
        },
        sendEnvelope: async () => Promise.reject(new Error('no private rooms here')),
        encrypt: async () => Promise.reject(new Error('no private rooms here')),
        refused: async () => Promise.reject(new Error('no private rooms here')),
        deleteMessage: async () => Promise.reject(new Error('no deletes here')),
      },
    });
    outbox.setOnline(true);
    const texts = Array.from({ length: 10 }, (_, i) => `quick ${i}`);
    const added = texts.map((t) => outbox.add({ id: 'r', private: false }, t));
    // Finish whatever writes were asked for, newest first, until all ten are done.
    while (sent.length < texts.length) {
      for (const finish of writes.splice(0).reverse()) finish();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(added);
    expect(sent).toEqual(texts);
  });
});

describe('Outbox retry', () => {
  // carol's message to a direct message bob had left was refused; retried once bob was back, it went
  // out in the envelope sealed while he was away, with a chain his devices were never given.
  it('seals a refused private message afresh when it is retried, not in the envelope the server refused', async () => {
    const items = new Map<string, OutboxItem>();
    const store: OutboxStore = { list: async () => [...items.values()], put: async (item) => void items.set(item.clientMsgId, item), remove: async (id) => void items.delete(id) };
    let sealed = 0;
    const sentEnvelopes: string[] = [];
    const outbox = new Outbox({
      store,
      clock: { now: () => 0, setTimeout: () => null, clearTimeout: () => {} },
      newId: () => '00000000-0000-4000-8000-000000000001',
      transport: {
        sendBody: async () => Promise.reject(new Error('no open rooms here')),
        encrypt: async () => ({ ct: `sealed ${++sealed}` }) as never,
        refused: async () => undefined,
        sendEnvelope: async (_room, envelope) => {
          sentEnvelopes.push(envelope.ct);
          if (sentEnvelopes.length === 1) throw new ChatError('conflict', '@bob has left your direct messages');
          return { type: 'ack', seq: 7 } as unknown as AckFrame;
        },
        deleteMessage: async () => Promise.reject(new Error('no deletes here')),
      },
    });
    outbox.setOnline(true);
    const id = '00000000-0000-4000-8000-000000000001';
    await outbox.add({ id: 'r', private: true }, 'after bob left');
    await expect(outbox.whenSent(id)).rejects.toMatchObject({ code: 'conflict' });
    expect(items.get(id)).toMatchObject({ failed: { code: 'conflict' } });
    await outbox.retry(id);
    await expect(outbox.whenSent(id)).resolves.toMatchObject({ seq: 7 });
    expect(sentEnvelopes).toEqual(['sealed 1', 'sealed 2']);
  });
});

describe('Outbox refusals', () => {
  /** An outbox of one private message whose first send the server answers with `first`. */
  function refusedOnce(first: ChatError) {
    const items = new Map<string, OutboxItem>();
    const store: OutboxStore = { list: async () => [...items.values()], put: async (item) => void items.set(item.clientMsgId, item), remove: async (id) => void items.delete(id) };
    const told: string[] = [];
    let sends = 0;
    const outbox = new Outbox({
      store,
      clock: { now: () => 0, setTimeout: () => null, clearTimeout: () => {} },
      newId: () => '00000000-0000-4000-8000-000000000001',
      transport: {
        sendBody: async () => Promise.reject(new Error('no open rooms here')),
        encrypt: async () => ({ ct: 'sealed', counter: 0 }) as never,
        refused: async (envelope, code) => void told.push(`${code} ${envelope.ct}`),
        sendEnvelope: async () => {
          if (++sends === 1) throw first;
          return { type: 'ack', seq: 7 } as unknown as AckFrame;
        },
        deleteMessage: async () => Promise.reject(new Error('no deletes here')),
      },
    });
    outbox.setOnline(true);
    return { outbox, items, told };
  }

  // The CLI's `chat send` exits as soon as the refusal settles: the encryption must know by then.
  it.each(['conflict', 'key_reused', 'forbidden', 'rate_limited'] as const)('tells the encryption of a %s refusal before the message fails, and keeps no envelope', async (code) => {
    const { outbox, items, told } = refusedOnce(new ChatError(code, 'refused'));
    await outbox.add({ id: 'r', private: true }, 'x');
    const id = '00000000-0000-4000-8000-000000000001';
    await expect(outbox.whenSent(id).catch((e: ChatError) => [e.code, [...told]])).resolves.toEqual([code, [`${code} sealed`]]);
    expect(items.get(id)?.envelope).toBeUndefined();
  });

  // The TUI kept a message refused before this version with its envelope; `/retry` sent those bytes again.
  it('tells the encryption, on retry, of a refused message kept with its envelope', async () => {
    const { outbox, items, told } = refusedOnce(new ChatError('conflict', 'unused'));
    const id = '00000000-0000-4000-8000-000000000002';
    items.set(id, { clientMsgId: id, roomId: 'r', private: true, text: 'x', queuedAt: 0, envelope: { ct: 'kept' } as never, failed: { code: 'conflict', message: '@bob has left' } });
    await outbox.load();
    await outbox.retry(id);
    expect(told).toEqual(['conflict kept']);
  });

  it('does not tell it of an internal error, which may have come after the message was stored', async () => {
    const { outbox, items, told } = refusedOnce(new ChatError('internal', 'oops'));
    await outbox.add({ id: 'r', private: true }, 'x');
    const id = '00000000-0000-4000-8000-000000000001';
    await expect(outbox.whenSent(id)).rejects.toMatchObject({ code: 'internal' });
    expect(told).toEqual([]);
    expect(items.get(id)?.envelope).toMatchObject({ ct: 'sealed' });
  });
});

describe('newestIsSending', () => {
  it('is true for a plain message or a reply on its way, not for a failed one or a relation folded into another message', () => {
    const rel = (type: string) => ({ type, eventId: '00000000-0000-4000-8000-000000000001', seq: 1 }) as never;
    expect(newestIsSending([])).toBe(false);
    expect(newestIsSending([{ status: 'queued' }])).toBe(true);
    expect(newestIsSending([{ status: 'sending', relation: rel('reply') }])).toBe(true);
    expect(newestIsSending([{ status: 'failed' }])).toBe(false);
    expect(newestIsSending([{ status: 'queued', relation: rel('edit') }, { status: 'queued', relation: rel('reaction') }, { status: 'queued', relation: rel('delete') }])).toBe(false);
  });
});
