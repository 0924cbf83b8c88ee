import MiniSearch from 'minisearch';
import type { SearchResult as MiniResult, Query } from 'minisearch';
import type { RoomEvent, SearchHit } from '../protocol/index.js';
import { occurrences, parseQuery } from './query.js';
import type { ParsedQuery, QueryItem } from './query.js';
import { snippetAround } from './snippet.js';
import { stem, tokenize, wordsOf } from './text.js';

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
}

/** How far a room is indexed, and its messages whose keys had not arrived yet (tried again later). */
export interface IndexedRoom {
  readonly indexedSeq: number;
  readonly pending: readonly RoomEvent[];
}

export interface IndexFilters {
  readonly roomIds?: ReadonlySet<string>;
  /** A username, in any case. */
  readonly sender?: string;
  /** Epoch ms, inclusive. */
  readonly since?: number;
  readonly until?: number;
}

const FIELDS = ['text'];
const STORED: (keyof IndexedMessage)[] = ['roomId', 'roomName', 'seq', 'senderId', 'sender', 'createdAt', 'text'];
const OPTIONS = {
  fields: FIELDS,
  storeFields: STORED,
  tokenize: (text: string) => tokenize(text),
  processTerm: (term: string) => term,
  searchOptions: {
    prefix: (term: string) => term.length >= 3,
    fuzzy: (term: string) => (term.length >= 5 ? 0.2 : false),
  },
};
/** Pending messages kept per room; beyond this the oldest are dropped (their keys are unlikely to come). */
const MAX_PENDING = 1_000;
const sameStem = (a: string, b: string) => a === b || stem(a) === stem(b);

/**
 * The client-side full-text index of private rooms (MiniSearch: BM25 ranking, prefix and fuzzy
 * matching), with the same query syntax as the server's. It holds plaintext, so it is kept on disk
 * only encrypted (see cli/node/sealed-file.ts).
 */
export class MessageIndex {
  /** Messages added since the last `takeChanges`, for stores that keep one record per message. */
  private added: IndexedMessage[] = [];
  /** Rooms whose position changed since the last `takeChanges`. */
  private readonly movedRooms = new Set<string>();

  private constructor(
    private readonly mini: MiniSearch<IndexedMessage>,
    private readonly rooms: Map<string, IndexedRoom>,
  ) {}

  static empty(): MessageIndex {
    return new MessageIndex(new MiniSearch<IndexedMessage>(OPTIONS), new Map());
  }

  /** Reads what `serialize` wrote. */
  static load(serialized: string): MessageIndex {
    const data = JSON.parse(serialized) as { v: 1; index: unknown; rooms: Record<string, IndexedRoom> };
    if (data.v !== 1) throw new Error(`unknown search index version ${String(data.v)}`);
    return new MessageIndex(MiniSearch.loadJSON<IndexedMessage>(JSON.stringify(data.index), OPTIONS), new Map(Object.entries(data.rooms)));
  }

  /**
   * An index of these messages and room positions (as a store of one record per message keeps
   * them); nothing of it counts as a change.
   */
  static of(messages: Iterable<IndexedMessage>, rooms: Iterable<readonly [string, IndexedRoom]>): MessageIndex {
    const index = MessageIndex.empty();
    for (const m of messages) index.add(m);
    for (const [id, room] of rooms) index.rooms.set(id, room);
    index.takeChanges();
    return index;
  }

  /**
   * What changed since the index was made or last asked: the messages added and the rooms whose
   * position moved, so a store can write just those records. Asking again starts afresh.
   */
  takeChanges(): { messages: IndexedMessage[]; rooms: [string, IndexedRoom][] } {
    const messages = this.added;
    const rooms = [...this.movedRooms].map((id): [string, IndexedRoom] => [id, this.room(id)]);
    this.added = [];
    this.movedRooms.clear();
    return { messages, rooms };
  }

  serialize(): string {
    return JSON.stringify({ v: 1, index: this.mini.toJSON(), rooms: Object.fromEntries(this.rooms) });
  }

  get size(): number {
    return this.mini.documentCount;
  }

  room(roomId: string): IndexedRoom {
    return this.rooms.get(roomId) ?? { indexedSeq: 0, pending: [] };
  }

  /** Adds a message (a repeat of an id is ignored). */
  add(message: IndexedMessage): void {
    if (this.mini.has(message.id)) return;
    this.mini.add(message);
    this.added.push(message);
  }

  /** Records how far a room has been read, and which of its messages still wait for a key. */
  setRoom(roomId: string, indexedSeq: number, pending: readonly RoomEvent[]): void {
    this.rooms.set(roomId, { indexedSeq, pending: pending.slice(-MAX_PENDING) });
    this.movedRooms.add(roomId);
  }

  search(query: string | ParsedQuery, filters: IndexFilters = {}, limit = 20): SearchHit[] {
    const parsed = typeof query === 'string' ? parseQuery(query) : query;
    if (parsed.groups.length === 0) return [];
    const tree: Query = {
      combineWith: 'AND',
      queries: parsed.groups.map((group) => ({
        combineWith: 'OR',
        queries: group.map((item) => (item.kind === 'word' ? item.word : { combineWith: 'AND', queries: [...item.words] })),
      })),
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
      if (hits.length >= limit) break;
    }
    return hits;
  }

  /** Checks what MiniSearch cannot (phrases in order, exclusions) and marks the matches. */
  private hitOf(r: MiniResult, query: ParsedQuery): SearchHit | null {
    const text = r.text as string;
    const words = wordsOf(text);
    const norms = words.map((w) => w.norm);
    const phrases = query.groups.flat().filter((i): i is Extract<QueryItem, { kind: 'phrase' }> => i.kind === 'phrase');
    const phraseSpans = phrases.map((p) => occurrences(p, norms, sameStem));
    // A group of only phrases needs one of them to stand in order.
    for (const group of query.groups) {
      if (group.every((i) => i.kind === 'phrase') && group.every((p) => occurrences(p, norms, sameStem).length === 0)) return null;
    }
    if (query.excluded.some((item) => occurrences(item, norms, sameStem).length > 0)) return null;
    const matched = new Set(r.terms);
    const ranges: [number, number][] = words.filter((w) => matched.has(w.norm)).map((w) => [w.start, w.end]);
    for (const spans of phraseSpans) {
      for (const [a, b] of spans) ranges.push([(words[a] as { start: number }).start, (words[b] as { end: number }).end]);
    }
    return {
      roomId: r.roomId as string,
      roomName: r.roomName as string,
      eventId: r.id as string,
      seq: r.seq as number,
      sender: { id: r.senderId as string, username: r.sender as string },
      createdAt: r.createdAt as string,
      score: r.score,
      snippet: snippetAround(text, mergeRanges(ranges)),
    };
  }
}

/** Overlapping ranges joined, in order (a phrase and its own words mark one span). */
function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
