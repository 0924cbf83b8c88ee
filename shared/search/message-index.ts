import MiniSearch from 'minisearch';
import type { SearchResult as MiniResult, Query } from 'minisearch';
import type { RoomEvent, SearchHit } from '../protocol/index.js';
import { matchText } from './match.js';
import { parseQuery } from './query.js';
import type { ParsedQuery, QueryItem, QueryWord } from './query.js';
import { snippetAround } from './snippet.js';
import { analyze } from './tokens.js';
import type { Term, TermKind } from './tokens.js';

/** A decrypted message, as the index keeps it. */
export interface IndexedMessage {
  readonly id: string;
  readonly roomId: string;
  readonly roomName: string;
  readonly seq: number;
  readonly senderId: string;
  readonly sender: string;
  readonly createdAt: string;
  readonly text: string;
  /** The seq of the edit whose text this is; absent while the message is unedited. */
  readonly editSeq?: number;
  /** When that edit was made (ISO); `createdAt` stays the send time. */
  readonly editedAt?: string;
}

/** An edit's new text, as `MessageIndex.edit` takes it (the target is named separately). */
export interface IndexedEdit {
  readonly seq: number;
  readonly senderId: string;
  readonly text: string;
  /** When the edit was made (ISO); a hit on the edited message says so (`SearchHit.editedAt`). */
  readonly createdAt?: string;
}

/**
 * How far a room is indexed, and its messages whose keys had not arrived yet (opened again on each
 * update): the newest MAX_PENDING whole (`pending`, in seq order), older ones as the span of seqs
 * they lie in and how many they are (`overflow`: fetched again once keys come).
 */
export interface IndexedRoom {
  readonly indexedSeq: number;
  readonly pending: readonly RoomEvent[];
  readonly overflow?: PendingSpan | undefined;
}

/** Messages waiting for keys that are not kept whole: they lie in seqs `from`..`to` (inclusive); `count` of them. */
export interface PendingSpan {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

export interface IndexFilters {
  readonly roomIds?: ReadonlySet<string>;
  /** A username, in any case. */
  readonly sender?: string;
  /** Epoch ms, inclusive. */
  readonly since?: number;
  readonly until?: number;
}

/** One field per term kind, boosted so that whole-token matches outrank parts, and parts stems. */
const FIELDS: TermKind[] = ['exact', 'part', 'stem'];
const STORED: (keyof IndexedMessage)[] = ['roomId', 'roomName', 'seq', 'senderId', 'sender', 'createdAt', 'text', 'editSeq', 'editedAt'];
/** The terms of the text last analyzed (MiniSearch asks once per field). */
let lastAnalyzed: { text: string; terms: readonly Term[] } = { text: '', terms: [] };
function termsOf(text: string): readonly Term[] {
  if (lastAnalyzed.text !== text) lastAnalyzed = { text, terms: analyze(text) };
  return lastAnalyzed.terms;
}
const OPTIONS = {
  fields: FIELDS,
  storeFields: STORED,
  // Stored fields keep their type: `seq` stays a number (it was stored as the text "4", and search
  // hits of private rooms carried it so); an unedited message has no editSeq.
  extractField: (doc: IndexedMessage, field: string): unknown => (FIELDS.includes(field as TermKind) ? doc.text : doc[field as keyof IndexedMessage]),
  tokenize: (text: string, field?: string) => termsOf(text).filter((t) => t.kind === field).map((t) => t.form),
  processTerm: (term: string) => term,
  // Query terms are already the tokenizer's forms; no prefix or fuzzy matching, so that a query
  // finds here what it finds on the server.
  searchOptions: { tokenize: (term: string) => [term], boost: { exact: 4, part: 2, stem: 1 } },
};
/** Pending messages kept whole per room; older ones are kept as a span of seqs (see IndexedRoom). */
const MAX_PENDING = 1_000;
/**
 * The serialized form's version: 2 since the shared tokenizer, 3 since runs of a token's pieces are
 * part terms, `seq` is stored as a number and relations are applied (an older index, which may hold
 * edits as messages of their own and deleted text, is rebuilt), 4 since messages whose keys were
 * missing for any reason are kept to be opened again (an older index had passed over those from
 * before the device or the user's joining for good: it is rebuilt, so they are found once their keys
 * come) and an edited message keeps its edit's time, 5 since a token's pieces written together are a
 * part term (SEARCH_TERMS_VERSION 2: `email` of "e-mail"), 6 since English stems are Porter2's
 * (SEARCH_TERMS_VERSION 3: `~secret` of "secretly").
 */
const VERSION = 6;

/**
 * The client-side full-text index of private rooms (MiniSearch, BM25 ranking), with the server's
 * query syntax and tokenizer (shared/search/tokens.ts): whole tokens, parts and stems are three fields.
 * Hits rank by match class (see `matchText`), then recency, as the merged list does (see `mergeRanked`). It holds plaintext, so it is kept on disk
 * only encrypted (see cli/node/sealed-file.ts).
 */
export class MessageIndex {
  /**
   * Messages added, edited (their record as it is now) or removed (null) since the last
   * `takeChanges`, for stores that keep one record per message.
   */
  private readonly changedMessages = new Map<string, IndexedMessage | null>();
  /** Early edits kept or dropped (null) since the last `takeChanges`. */
  private readonly changedEarlyEdits = new Map<string, IndexedEdit | null>();
  /** Rooms whose position changed since the last `takeChanges`. */
  private readonly movedRooms = new Set<string>();

  private constructor(
    private readonly mini: MiniSearch<IndexedMessage>,
    private readonly rooms: Map<string, IndexedRoom>,
    /** Edits opened before their target (its key had not come): applied when the target is added. */
    private readonly earlyEdits: Map<string, IndexedEdit>,
  ) {}

  static empty(): MessageIndex {
    return new MessageIndex(new MiniSearch<IndexedMessage>(OPTIONS), new Map(), new Map());
  }

  /** Reads what `serialize` wrote. */
  static load(serialized: string): MessageIndex {
    const data = JSON.parse(serialized) as { v: number; index: unknown; rooms: Record<string, IndexedRoom>; earlyEdits: Record<string, IndexedEdit> };
    if (data.v !== VERSION) throw new Error(`unknown search index version ${String(data.v)}`);
    return new MessageIndex(MiniSearch.loadJSON<IndexedMessage>(JSON.stringify(data.index), OPTIONS), new Map(Object.entries(data.rooms)), new Map(Object.entries(data.earlyEdits)));
  }

  /**
   * An index of these messages, room positions and early edits (as a store of one record each keeps
   * them, see `takeChanges`); nothing of it counts as a change.
   */
  static of(messages: Iterable<IndexedMessage>, rooms: Iterable<readonly [string, IndexedRoom]>, earlyEdits: Iterable<readonly [string, IndexedEdit]> = []): MessageIndex {
    const index = MessageIndex.empty();
    for (const [targetId, edit] of earlyEdits) index.earlyEdits.set(targetId, edit);
    for (const m of messages) index.add(m);
    for (const [id, room] of rooms) index.rooms.set(id, room);
    index.takeChanges();
    return index;
  }

  /**
   * What changed since the index was made or last asked, so a store that keeps one record per
   * message can write just those: `messages` added or edited (the whole record as it is now, edit
   * applied), `removed` the ids of deleted messages, `earlyEdits` the edits kept for a target not
   * indexed yet (null: no longer kept) and `rooms` whose position moved. Asking again starts afresh.
   */
  takeChanges(): { messages: IndexedMessage[]; removed: string[]; earlyEdits: [string, IndexedEdit | null][]; rooms: [string, IndexedRoom][] } {
    const messages: IndexedMessage[] = [];
    const removed: string[] = [];
    for (const [id, m] of this.changedMessages) {
      if (m) messages.push(m);
      else removed.push(id);
    }
    const earlyEdits = [...this.changedEarlyEdits];
    const rooms = [...this.movedRooms].map((id): [string, IndexedRoom] => [id, this.room(id)]);
    this.changedMessages.clear();
    this.changedEarlyEdits.clear();
    this.movedRooms.clear();
    return { messages, removed, earlyEdits, rooms };
  }

  serialize(): string {
    return JSON.stringify({ v: VERSION, index: this.mini.toJSON(), rooms: Object.fromEntries(this.rooms), earlyEdits: Object.fromEntries(this.earlyEdits) });
  }

  get size(): number {
    return this.mini.documentCount;
  }

  room(roomId: string): IndexedRoom {
    return this.rooms.get(roomId) ?? { indexedSeq: 0, pending: [] };
  }

  /** Adds a message (a repeat of an id is ignored), with the text of an edit of it opened earlier. */
  add(message: IndexedMessage): void {
    if (this.mini.has(message.id)) return;
    this.mini.add(message);
    this.changedMessages.set(message.id, message);
    const early = this.earlyEdits.get(message.id);
    if (early) {
      this.earlyEdits.delete(message.id);
      this.changedEarlyEdits.set(message.id, null);
      this.edit(message.id, early);
    }
  }

  /**
   * Applies an edit: the target's indexed text becomes the edit's (its hits keep the target's id, seq
   * and send time, with the edit's time as `editedAt`). Only the target's author edits it (the server checks too); an edit older than the one
   * applied is ignored (edits whose keys came late are opened out of order). An edit of a target not
   * indexed yet is kept until the target is added.
   */
  edit(targetId: string, edit: IndexedEdit): void {
    const stored = this.mini.getStoredFields(targetId) as Partial<IndexedMessage> | undefined;
    if (!stored) {
      const known = this.earlyEdits.get(targetId);
      if (!known || known.seq < edit.seq) {
        this.earlyEdits.set(targetId, edit);
        this.changedEarlyEdits.set(targetId, edit);
      }
      return;
    }
    if (stored.senderId !== edit.senderId || (stored.editSeq ?? 0) >= edit.seq) return;
    const target: IndexedMessage = { ...(stored as IndexedMessage), id: targetId, text: edit.text, editSeq: edit.seq, ...(edit.createdAt === undefined ? {} : { editedAt: edit.createdAt }) };
    this.mini.replace(target);
    this.changedMessages.set(targetId, target);
  }

  /** Removes a deleted message, and so its edits, from the index (an id not indexed is ignored). */
  remove(targetId: string): void {
    if (this.earlyEdits.delete(targetId)) this.changedEarlyEdits.set(targetId, null);
    if (this.mini.has(targetId)) {
      this.mini.discard(targetId);
      this.changedMessages.set(targetId, null);
    }
  }

  /**
   * Records how far a room has been read, and which of its messages still wait for a key: `pending`
   * (in seq order) beyond the newest MAX_PENDING join `overflow`, the span of older ones not kept whole.
   */
  setRoom(roomId: string, indexedSeq: number, pending: readonly RoomEvent[], overflow?: PendingSpan): void {
    let span = overflow;
    for (const e of pending.slice(0, Math.max(0, pending.length - MAX_PENDING))) {
      span = span ? { from: Math.min(span.from, e.seq), to: Math.max(span.to, e.seq), count: span.count + 1 } : { from: e.seq, to: e.seq, count: 1 };
    }
    this.rooms.set(roomId, { indexedSeq, pending: pending.slice(-MAX_PENDING), ...(span ? { overflow: span } : {}) });
    this.movedRooms.add(roomId);
  }

  search(query: string | ParsedQuery, filters: IndexFilters = {}, limit = 20): SearchHit[] {
    const parsed = typeof query === 'string' ? parseQuery(query) : query;
    if (parsed.groups.length === 0) return [];
    const wordQuery = (w: QueryWord): Query => ({ combineWith: 'OR', queries: [w.form, ...w.stems] });
    const itemQuery = (item: QueryItem): Query => (item.words.length === 1 ? wordQuery(item.words[0] as QueryWord) : { combineWith: 'AND', queries: item.words.map(wordQuery) });
    const tree: Query = {
      combineWith: 'AND',
      queries: parsed.groups.map((group) => ({ combineWith: 'OR', queries: group.map(itemQuery) })),
    };
    const filter = (r: MiniResult) =>
      (!filters.roomIds || filters.roomIds.has(r.roomId as string)) &&
      (!filters.sender || (r.sender as string).toLowerCase() === filters.sender.toLowerCase()) &&
      (filters.since === undefined || Date.parse(r.createdAt as string) >= filters.since) &&
      (filters.until === undefined || Date.parse(r.createdAt as string) <= filters.until);
    const hits: SearchHit[] = [];
    for (const r of this.mini.search(tree, { filter })) {
      const hit = this.hitOf(r, parsed);
      if (hit) hits.push(hit);
    }
    // Class, then newest first: the order mergeRanked gives the merged list, so the `limit` kept here are the ones it would keep.
    return hits.sort((a, b) => b.score - a.score || Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)).slice(0, limit);
  }

  /** Checks what MiniSearch cannot (phrases in order, exclusions), classes the match and marks it. */
  private hitOf(r: MiniResult, query: ParsedQuery): SearchHit | null {
    const text = r.text as string;
    const match = matchText(text, query);
    if (!match) return null;
    return {
      roomId: r.roomId as string,
      roomName: r.roomName as string,
      eventId: r.id as string,
      // Stored as a number (see extractField); Number() keeps a hit's seq a number whatever was stored.
      seq: Number(r.seq),
      sender: { id: r.senderId as string, username: r.sender as string },
      // The send time, as the server gives an edited message's hit, with the edit's time beside it.
      createdAt: r.createdAt as string,
      ...(typeof r.editedAt === 'string' ? { editedAt: r.editedAt } : {}),
      // The class alone: MiniSearch's BM25 only finds the candidates (see mergeRanked).
      score: match.matchClass,
      snippet: snippetAround(text, match.ranges),
    };
  }
}
