import { describe, expect, it } from 'vitest';
import type { NewMessage, Store } from '../store/store.js';
import { AppendBatcher } from './append-batcher.js';

const msg = (room: string, body: string): NewMessage => ({ id: body, roomId: room, sender: { id: 'u', username: 'u' }, clientMsgId: body, body, envelope: null });

/** A store that records the batches it is given and answers with the bodies. */
function fakeStore(fail?: (batch: readonly NewMessage[]) => boolean) {
  const calls: string[][] = [];
  const store = {
    appendMessages: async (messages: readonly NewMessage[]) => {
      calls.push(messages.map((m) => m.body as string));
      if (fail?.(messages)) throw new Error('boom');
      return messages.map((m, i) => ({ ok: true as const, value: { duplicate: false, event: { body: m.body, seq: i } } }));
    },
  } as unknown as Store;
  return { store, calls };
}

describe('AppendBatcher', () => {
  it('sends the messages of one tick in one call, sorted by room with each room in order', async () => {
    const { store, calls } = fakeStore();
    const b = new AppendBatcher(store, { maxBatch: 100, maxInFlight: 1 });
    const results = await Promise.all([b.append(msg('r2', 'x1')), b.append(msg('r1', 'y1')), b.append(msg('r2', 'x2')), b.append(msg('r1', 'y2'))]);
    expect(calls).toEqual([['y1', 'y2', 'x1', 'x2']]);
    expect(results.map((r) => r.ok && r.value.event.body)).toEqual(['x1', 'y1', 'x2', 'y2']);
  });

  it('gathers what arrives while a call is under way into the next one', async () => {
    const { store, calls } = fakeStore();
    const b = new AppendBatcher(store, { maxBatch: 100, maxInFlight: 1 });
    const first = b.append(msg('r', 'a'));
    await new Promise((r) => setImmediate(r));
    const rest = [b.append(msg('r', 'b')), b.append(msg('r', 'c'))];
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([['a'], ['b', 'c']]);
  });

  it('retries a failed batch one message at a time, so one bad message fails alone', async () => {
    const { store, calls } = fakeStore((batch) => batch.some((m) => m.body === 'bad'));
    const b = new AppendBatcher(store, { maxBatch: 100, maxInFlight: 1 });
    const results = await Promise.allSettled([b.append(msg('r', 'good1')), b.append(msg('r', 'bad')), b.append(msg('r', 'good2'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toEqual([['good1', 'bad', 'good2'], ['good1'], ['bad'], ['good2']]);
  });

  it('keeps batches within the size limit', async () => {
    const { store, calls } = fakeStore();
    const b = new AppendBatcher(store, { maxBatch: 2, maxInFlight: 4 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => b.append(msg('r', x))));
    expect(calls.map((c) => c.length)).toEqual([2, 2, 1]);
  });
});
