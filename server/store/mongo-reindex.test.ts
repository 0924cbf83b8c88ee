import { find, updateOne } from 'mingo';
import type { AnyBulkWriteOperation, BulkWriteResult } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { parseQuery, SEARCH_TERMS_VERSION } from '../../shared/search/index.js';
import { reindexMongoTermsBatch, type MessageDoc, type TermsCollection } from './mongo-message-store.js';

/**
 * The messages collection in memory: `find(filter, { projection }).limit(n).toArray()` and
 * `bulkWrite` of `updateOne`s, with MongoDB's query and update semantics from mingo (no MongoDB
 * server is needed; the Store contract against a real one runs in mongo.integration.test.ts).
 */
function fakeCollection(docs: MessageDoc[]): TermsCollection {
  const collection = {
    find: (filter: object, options?: { projection?: object }) => {
      let limit = Infinity;
      const cursor = {
        limit: (n: number) => ((limit = n), cursor),
        toArray: async () => find(docs, filter, options?.projection).all().slice(0, limit),
      };
      return cursor;
    },
    bulkWrite: async (ops: AnyBulkWriteOperation<MessageDoc>[]) => {
      for (const op of ops) {
        if (!('updateOne' in op)) throw new Error('the fake collection knows only updateOne');
        updateOne(docs as unknown as Record<string, unknown>[], op.updateOne.filter as object, op.updateOne.update as object);
      }
      return {} as BulkWriteResult;
    },
  };
  return collection as unknown as TermsCollection;
}

const doc = (id: string, body: string | null, extra: Partial<MessageDoc> = {}): MessageDoc => ({
  _id: id,
  roomId: 'r',
  seq: Number(id.slice(1)),
  senderId: 'u',
  sender: 'ann',
  clientMsgId: id,
  body,
  envelope: null,
  createdAt: new Date(0),
  ...extra,
});

/** Whether a doc's terms hold every form of the query's words (what searchMessages looks up). */
const findsBy = (d: MessageDoc, query: string) => parseQuery(query).groups.flat().every((item) => item.words.every((w) => d.terms?.includes(w.form)));

describe('MongoDB search re-index', () => {
  it('rewrites terms written before versions were kept, batch by batch, until none is left', async () => {
    const docs = [
      // Terms of the tokenizer before the runs of neighbouring pieces, no version.
      doc('m1', 'srv-web03.lan is down again', { terms: ['srv-web03.lan', 'srv', 'web03', 'lan', 'is', 'down', 'again', '~again'] }),
      doc('m2', 'mail dana.smith@example.com', { terms: ['mail', 'dana.smith@example.com', 'dana', 'smith', 'example', 'com'] }),
      doc('m3', 'no terms at all'),
      doc('m4', '👍', { relationType: 'reaction', relatesTo: 'm1' }),
      doc('m5', null), // deleted: no text, nothing to index
      doc('m6', 'db-eu02.lan', { terms: ['db-eu02.lan', 'db-eu02', 'eu02.lan', 'db', 'eu02', 'lan'], termsVersion: SEARCH_TERMS_VERSION }),
    ];
    const before = structuredClone(docs[5]);
    const messages = fakeCollection(docs);
    expect(findsBy(docs[0] as MessageDoc, 'srv-web03')).toBe(false);

    expect(await reindexMongoTermsBatch(messages, 2)).toBe(2);
    expect(await reindexMongoTermsBatch(messages, 2)).toBe(2);
    expect(await reindexMongoTermsBatch(messages, 2)).toBe(0);

    const [m1, m2, m3, m4, m5, m6] = docs as [MessageDoc, MessageDoc, MessageDoc, MessageDoc, MessageDoc, MessageDoc];
    expect(findsBy(m1, 'srv-web03')).toBe(true);
    expect(findsBy(m1, 'web03.lan')).toBe(true);
    expect(findsBy(m2, 'example.com')).toBe(true);
    expect(findsBy(m3, 'terms')).toBe(true);
    for (const d of [m1, m2, m3, m4]) expect(d.termsVersion).toBe(SEARCH_TERMS_VERSION);
    expect(m4.terms).toBeUndefined();
    expect(m5).not.toHaveProperty('termsVersion');
    expect(m6).toEqual(before);
  });

  // A message deleted between the batch's read and its write got its words written back over the delete.
  it('writes no terms over a message deleted after its batch was read', async () => {
    const docs = [doc('m1', 'we met secretly', { termsVersion: SEARCH_TERMS_VERSION - 1 }), doc('m2', 'the launch code', { termsVersion: SEARCH_TERMS_VERSION - 1 })];
    const messages = fakeCollection(docs);
    const read = messages.find.bind(messages);
    messages.find = ((...args: Parameters<typeof read>) => {
      const cursor = read(...args);
      const all = cursor.toArray.bind(cursor);
      cursor.toArray = async () => {
        const found = await all();
        Object.assign(docs[1] as MessageDoc, { body: null, envelope: null });
        return found;
      };
      return cursor;
    }) as typeof read;
    expect(await reindexMongoTermsBatch(messages)).toBe(2);
    expect(findsBy(docs[0] as MessageDoc, 'secretly')).toBe(true);
    expect(docs[1]?.terms).toBeUndefined();
  });

  it('rewrites terms of an older version and leaves those of a newer one', async () => {
    const docs = [doc('m1', 'PLT-3699 again', { terms: ['plt-3699'], termsVersion: SEARCH_TERMS_VERSION - 1 }), doc('m2', 'later', { terms: ['x'], termsVersion: SEARCH_TERMS_VERSION + 1 })];
    expect(await reindexMongoTermsBatch(fakeCollection(docs))).toBe(1);
    expect(findsBy(docs[0] as MessageDoc, '3699')).toBe(true);
    expect(docs[1]?.terms).toEqual(['x']);
  });
});
