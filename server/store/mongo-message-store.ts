import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import type { Collection, CreateIndexesOptions, Db, IndexSpecification } from 'mongodb';
import type { Envelope, RoomEvent, SearchHit } from '../../shared/protocol/index.js';
import { analyze, matchText, parseQuery, SEARCH_TERMS_VERSION, snippetAround } from '../../shared/search/index.js';
import { packagePath } from '../package-path.js';
import type { SqlClient } from './sql-client.js';
import { SqlStore } from './sql-store.js';
import type { MessageSearch, NewDeletion, NewMessage, NewRelation, EventRange, StoreResult } from './store.js';

/** A message's content in MongoDB; PostgreSQL keeps its place (room, seq, sender, clientMsgId). */
export interface MessageDoc {
  _id: string;
  roomId: string;
  seq: number;
  senderId: string;
  sender: string;
  clientMsgId: string;
  body: string | null;
  envelope: Envelope | null;
  createdAt: Date;
  /** For an edit, reaction or reply: the relation type and the target's id and seq. */
  relationType?: string;
  relatesTo?: string;
  relatesToSeq?: number;
  /** A newer edit exists: search reads only the latest text. */
  superseded?: boolean;
  /** The search tokenizer's terms of the body (shared/search/tokens.ts), each once; absent for an envelope. */
  terms?: string[];
  /** The tokenizer version that wrote `terms` (SEARCH_TERMS_VERSION); absent: before versions were kept. */
  termsVersion?: number;
}

/** The search terms of a text as the messages collection keeps them: each form once, and their version. */
function termsOf(body: string): { terms: string[]; termsVersion: number } {
  return { terms: [...new Set(analyze(body).map((t) => t.form))], termsVersion: SEARCH_TERMS_VERSION };
}

/** The part of the messages collection the re-index uses (a fake in its unit test). */
export type TermsCollection = Pick<Collection<MessageDoc>, 'find' | 'bulkWrite'>;

/** Messages re-indexed per batch. */
const REINDEX_BATCH = 1_000;

/**
 * Rewrites the terms of up to `limit` messages with text whose terms an older tokenizer wrote (a
 * `termsVersion` below SEARCH_TERMS_VERSION, or none: written before versions were kept), found
 * through the `terms_version` index; a reaction gets its version and no terms (nothing to find).
 * Returns how many; 0 when none is left. Resumable: a rewritten message no longer matches.
 */
export async function reindexMongoTermsBatch(messages: TermsCollection, limit: number = REINDEX_BATCH): Promise<number> {
  const stale = await messages
    .find({ body: { $type: 'string' }, termsVersion: { $not: { $gte: SEARCH_TERMS_VERSION } } }, { projection: { _id: 1, body: 1, relationType: 1 } })
    .limit(limit)
    .toArray();
  if (stale.length === 0) return 0;
  await messages.bulkWrite(
    stale.map((d) => ({
      updateOne: {
        // Not over a message deleted since it was read (its body gone): its words must not come back.
        filter: { _id: d._id, body: { $type: 'string' } },
        update: d.relationType === 'reaction' ? { $set: { termsVersion: SEARCH_TERMS_VERSION }, $unset: { terms: '' } } : { $set: termsOf(d.body ?? '') },
      },
    })),
    { ordered: false },
  );
  return stale.length;
}

/** What PostgreSQL holds in place of content it must not keep twice: the kind of payload, nothing more. */
const NO_TEXT = '';
const NO_ENVELOPE = {} as Envelope;

/** database/mongodb/indexes.json of this package. */
function indexFile(from: string = import.meta.url): string {
  const file = packagePath(join('database', 'mongodb', 'indexes.json'), from);
  if (!file) throw new Error('database/mongodb/indexes.json not found above ' + fileURLToPath(from));
  return file;
}

/** Creates the indexes of database/mongodb/indexes.json that are missing. */
export async function ensureMongoIndexes(db: Db): Promise<void> {
  const spec = JSON.parse(await readFile(indexFile(), 'utf8')) as { collections: Record<string, ({ key: IndexSpecification } & CreateIndexesOptions)[]> };
  for (const [collection, indexes] of Object.entries(spec.collections)) {
    for (const { key, ...options } of indexes) await db.collection(collection).createIndex(key, options);
  }
}

/**
 * The Store with messages in MongoDB (MONGODB_URL): PostgreSQL still orders every room's stream —
 * it assigns each message its seq and dedupes clientMsgIds under the room's lock, in one transaction,
 * keeping a row without content — and MongoDB keeps the content and answers open-room search with
 * its text index. The content is written right after the commit with an idempotent upsert, so a send
 * that failed between the two is repaired by the client's retry (the same clientMsgId comes back as a
 * duplicate, and its content is written then). Everything else is the SQL store's.
 */
export class SqlMongoStore extends SqlStore {
  private readonly messages: Collection<MessageDoc>;

  private constructor(
    sql: SqlClient,
    private readonly mongo: MongoClient,
    db: Db,
  ) {
    super(sql);
    this.messages = db.collection<MessageDoc>('messages');
  }

  /** Connects, creates missing indexes, and wraps the SQL client. */
  static async open(sql: SqlClient, mongoUrl: string): Promise<SqlMongoStore> {
    const mongo = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
    await mongo.connect();
    const db = mongo.db();
    await ensureMongoIndexes(db);
    return new SqlMongoStore(sql, mongo, db);
  }

  override async ping(): Promise<boolean> {
    const mongoOk = await this.mongo
      .db()
      .command({ ping: 1 })
      .then(() => true, () => false);
    return mongoOk && (await super.ping());
  }

  override async close(): Promise<void> {
    await this.mongo.close();
    await super.close();
  }

  override async appendMessages(messages: readonly NewMessage[]): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>[]> {
    const placed = await super.appendSealed(
      messages.map((m) => ({ ...m, body: m.body === null ? null : NO_TEXT, envelope: m.envelope === null ? null : NO_ENVELOPE })),
      messages.map((m) => m.envelope),
    );
    const docs: MessageDoc[] = [];
    placed.forEach((r, i) => {
      if (!r.ok) return;
      const m = messages[i] as NewMessage;
      const e = r.value.event;
      docs.push({ _id: e.id, roomId: e.roomId, seq: e.seq, senderId: m.sender.id, sender: m.sender.username, clientMsgId: m.clientMsgId, body: m.body, envelope: m.envelope, createdAt: new Date(e.createdAt), ...(m.body === null ? {} : termsOf(m.body)) });
    });
    if (docs.length > 0) {
      await this.messages.bulkWrite(
        docs.map(({ _id, ...rest }) => ({ updateOne: { filter: { _id }, update: { $setOnInsert: rest }, upsert: true } })),
        { ordered: false },
      );
    }
    // A duplicate answers with what was stored first, not with what the retry carried.
    const stored = await this.contents(placed.flatMap((r) => (r.ok ? [r.value.event.id] : [])));
    return placed.map((r) => (r.ok ? { ok: true, value: { duplicate: r.value.duplicate, event: withContent(r.value.event, stored.get(r.value.event.id)) } } : r));
  }

  /** As appendMessages: PostgreSQL places the relation (and checks its rules), MongoDB keeps its content. */
  override async appendRelation(r: NewRelation): Promise<StoreResult<{ event: RoomEvent; duplicate: boolean }>> {
    const placed = await super.appendRelationSealed({ ...r, body: r.body === null ? null : NO_TEXT, envelope: r.envelope === null ? null : NO_ENVELOPE }, r.envelope);
    if (!placed.ok) return placed;
    const e = placed.value.event;
    if (!placed.value.duplicate && r.relation.type === 'edit') {
      await this.messages.updateMany({ $or: [{ _id: r.relation.eventId }, { relatesTo: r.relation.eventId, relationType: 'edit' }] }, { $set: { superseded: true } });
    }
    await this.messages.updateOne(
      { _id: e.id },
      {
        $setOnInsert: {
          roomId: e.roomId,
          seq: e.seq,
          senderId: r.sender.id,
          sender: r.sender.username,
          clientMsgId: r.clientMsgId,
          body: r.body,
          envelope: r.envelope,
          createdAt: new Date(e.createdAt),
          relationType: r.relation.type,
          relatesTo: r.relation.eventId,
          relatesToSeq: e.relation?.seq ?? 0,
          ...(r.body === null ? {} : r.relation.type === 'reaction' ? { termsVersion: SEARCH_TERMS_VERSION } : termsOf(r.body)),
        },
      },
      { upsert: true },
    );
    const stored = await this.contents([e.id]);
    return { ok: true, value: { duplicate: placed.value.duplicate, event: withContent(e, stored.get(e.id)) } };
  }

  /** PostgreSQL commits the delete; the content of the message and its edits is then removed from MongoDB too. */
  override async deleteMessage(d: NewDeletion): Promise<StoreResult<{ event: RoomEvent; purged: string[] }>> {
    const done = await super.deleteMessage(d);
    if (done.ok && done.value.purged.length > 0) {
      // The search terms go too: they are the message's words.
      await this.messages.updateMany({ _id: { $in: done.value.purged } }, { $set: { body: null, envelope: null }, $unset: { terms: '' } });
    }
    return done;
  }

  override async listEvents(roomId: string, range: EventRange): Promise<RoomEvent[]> {
    const events = await super.listEvents(roomId, range);
    const stored = await this.contents(events.filter((e) => e.kind === 'message').map((e) => e.id));
    return events.map((e) => (e.kind === 'message' ? withContent(e, stored.get(e.id)) : e));
  }

  /**
   * Candidates are the messages holding any of the query's terms (the `terms` multikey index: our
   * tokenizer's forms, not MongoDB's text index, whose own tokenizer splits `C++` and `node.js` and
   * stems only one language per index), newest first; the query is then checked on the text with
   * `matchText`, as the device's index does, and the hits ranked by match class, then recency.
   */
  override async searchMessages(search: MessageSearch): Promise<SearchHit[]> {
    if (search.roomIds.length === 0) return [];
    const query = parseQuery(search.query);
    if (query.groups.length === 0) return [];
    const forms = query.groups.flat().flatMap((item) => item.words.flatMap((w) => [w.form, ...w.stems]));
    const filter = {
      terms: { $in: forms },
      roomId: { $in: [...search.roomIds] },
      body: { $type: 'string' as const },
      superseded: { $ne: true },
      relationType: { $nin: ['reaction', 'delete'] },
      ...(search.senderId ? { senderId: search.senderId } : {}),
      ...(search.since || search.until ? { createdAt: { ...(search.since ? { $gte: search.since } : {}), ...(search.until ? { $lte: search.until } : {}) } } : {}),
    };
    const want = search.offset + search.limit;
    const candidates = await this.messages
      .find(filter)
      .sort({ createdAt: -1 })
      .limit(Math.max(500, want * 5))
      .toArray();
    const matched = candidates.flatMap((doc) => {
      const match = matchText(doc.body ?? '', query);
      return match ? [{ doc, match }] : [];
    });
    matched.sort((a, b) => b.match.matchClass - a.match.matchClass || b.doc.createdAt.getTime() - a.doc.createdAt.getTime());
    const hits: SearchHit[] = [];
    const rooms = new Map<string, string>();
    const page = matched.slice(search.offset, want);
    // An edited message keeps its send time: the originals of the page's edits, read once.
    const editTargets = page.flatMap(({ doc }) => (doc.relationType === 'edit' && doc.relatesTo ? [doc.relatesTo] : []));
    const sentAt = new Map(
      editTargets.length === 0 ? [] : (await this.messages.find({ _id: { $in: editTargets } }, { projection: { createdAt: 1 } }).toArray()).map((d) => [d._id, d.createdAt] as const),
    );
    for (const { doc, match } of page) {
      if (!rooms.has(doc.roomId)) rooms.set(doc.roomId, (await this.findRoomById(doc.roomId))?.name ?? '');
      hits.push({
        roomId: doc.roomId,
        roomName: rooms.get(doc.roomId) as string,
        // An edit is found as the message it edits.
        eventId: doc.relationType === 'edit' && doc.relatesTo ? doc.relatesTo : doc._id,
        seq: doc.relationType === 'edit' && doc.relatesToSeq ? doc.relatesToSeq : doc.seq,
        sender: { id: doc.senderId, username: doc.sender },
        ...(doc.relationType === 'edit' && doc.relatesTo
          ? { createdAt: (sentAt.get(doc.relatesTo) ?? doc.createdAt).toISOString(), editedAt: doc.createdAt.toISOString() }
          : { createdAt: doc.createdAt.toISOString() }),
        score: match.matchClass,
        snippet: snippetAround(doc.body ?? '', match.ranges),
      });
    }
    return hits;
  }

  /**
   * The re-index the server runs at start: PostgreSQL's rows first (they hold no text here, so this
   * only brings their version up to date), then the terms of the messages in MongoDB.
   */
  override async reindexSearchBatch(limit?: number): Promise<number> {
    const placed = await super.reindexSearchBatch(limit);
    return placed > 0 ? placed : reindexMongoTermsBatch(this.messages, limit);
  }

  private async contents(ids: readonly string[]): Promise<Map<string, MessageDoc>> {
    if (ids.length === 0) return new Map();
    const docs = await this.messages.find({ _id: { $in: [...ids] } }).toArray();
    return new Map(docs.map((d) => [d._id, d]));
  }
}

/** The event with its content from MongoDB; content never written (a send lost between the two stores and never retried) reads as empty. */
function withContent(event: RoomEvent, doc: MessageDoc | undefined): RoomEvent {
  return { ...event, body: event.body === null ? null : (doc?.body ?? ''), envelope: event.envelope === null ? null : (doc?.envelope ?? null) };
}
