import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { matchText, MessageIndex, mergeRanked, parseQuery, snippetAround, snippetFromMarked, unsearchableQuery } from './index.js';
import { SEARCH_QUERY_MAX } from '../protocol/index.js';
import type { IndexedMessage, QueryItem } from './index.js';
import type { SearchHit } from '../protocol/index.js';

const ROOM_A = '00000000-0000-4000-8000-00000000000a';
const ROOM_B = '00000000-0000-4000-8000-00000000000b';
const ALICE = '00000000-0000-4000-8000-0000000000a1';
const BOB = '00000000-0000-4000-8000-0000000000b0';

let n = 0;
function message(text: string, extra: Partial<IndexedMessage> = {}): IndexedMessage {
  n += 1;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    roomId: ROOM_A,
    roomName: 'secret',
    seq: n,
    senderId: ALICE,
    sender: 'alice',
    createdAt: new Date(Date.UTC(2026, 10, 1, 12, n)).toISOString(),
    text,
    ...extra,
  };
}

function highlighted(hit: SearchHit): string[] {
  return hit.snippet.highlights.map(([s, e]) => hit.snippet.text.slice(s, e));
}

describe('parseQuery', () => {
  it('reads words, phrases, or and exclusions like websearch_to_tsquery, with the search tokenizer', () => {
    const forms = (items: readonly QueryItem[]) => items.map((i) => [i.kind, i.words.map((w) => w.form)]);
    const q = parseQuery('deploy "release notes" -staging');
    expect(q.groups.map(forms)).toEqual([[['word', ['deploy']]], [['phrase', ['release', 'notes']]]]);
    expect(forms(q.excluded)).toEqual([['word', ['staging']]]);
    expect(q.groups[0]?.[0]?.words[0]?.stems).toContain('~deploy');
    expect(parseQuery('cats or dogs').groups.map(forms)).toEqual([[['word', ['cats']], ['word', ['dogs']]]]);
    expect(forms(parseQuery('Café -"two words"').excluded)).toEqual([['phrase', ['two', 'words']]]);
    expect(parseQuery('Café C++ PLT-3699').groups.map(forms)).toEqual([[['word', ['cafe']]], [['word', ['c++']]], [['word', ['plt-3699']]]]);
    // A CJK word is its bigrams in a row.
    expect(parseQuery('東京都').groups.map(forms)).toEqual([[['phrase', ['東京', '京都']]]]);
    expect(parseQuery('- "" ')).toEqual({ groups: [], excluded: [] });
  });

  // "secret" did not find "we met secretly": English stems were Porter's 1980 algorithm (`~secretli`),
  // which keeps "-ly"; Porter2, Snowball's English stemmer (as PostgreSQL's `english` configuration), drops it.
  it('finds an English word through its -ly adverb, and a word of three letters through its other forms', () => {
    for (const [query, text] of [
      ['secret', 'we met secretly'],
      ['quick', 'that went quickly'],
      ['deploy', 'deploying now'],
      // Words of three letters were not stemmed at all: `bug` missed "bugs", `bugs` missed "one bug left".
      ['bug', 'found two bugs today'],
      ['bugs', 'one bug left'],
      ['run', 'he was running late'],
      ['fix', 'she fixes things'],
    ] as const) {
      expect(matchText(text, parseQuery(query)), `${query} in "${text}"`).not.toBeNull();
    }
    expect(matchText('a secretary called', parseQuery('secret'))).toBeNull();
  });

  // A single 65-letter word was refused as "emoji, symbols and punctuation alone are not indexed".
  it('says a word too long to be indexed is too long', () => {
    expect(unsearchableQuery('a'.repeat(65))).toMatch(/longer than 64 characters/);
    expect(unsearchableQuery('a'.repeat(64))).toBeNull();
    expect(unsearchableQuery('🎉')).toMatch(/emoji, symbols and punctuation/);
  });

  it('reads `or` as a word where it has no item on one side to join (no stop words)', () => {
    const forms = (items: readonly QueryItem[]) => items.map((i) => [i.kind, i.words.map((w) => w.form)]);
    expect(parseQuery('or').groups.map(forms)).toEqual([[['word', ['or']]]]);
    expect(parseQuery('OR').groups.map(forms)).toEqual([[['word', ['or']]]]);
    expect(parseQuery('deploy or').groups.map(forms)).toEqual([[['word', ['deploy']]], [['word', ['or']]]]);
    expect(parseQuery('or deploy').groups.map(forms)).toEqual([[['word', ['or']]], [['word', ['deploy']]]]);
    expect(parseQuery('cats or or').groups.map(forms)).toEqual([[['word', ['cats']], ['word', ['or']]]]);
    expect(parseQuery('cats or -dogs').groups.map(forms)).toEqual([[['word', ['cats']]], [['word', ['or']]]]);
    expect(parseQuery('"or"').groups.map(forms)).toEqual([[['word', ['or']]]]);
  });
});

// The server refuses a `q` longer than its schema allows (SEARCH_QUERY_MAX, trimmed) with zod's words,
// and a very long one as a request too large (431); a private room's search had no limit at all.
describe('unsearchableQuery and the length of a query', () => {
  it('refuses a query longer than the server takes, in plain words, and takes one as long (spaces around it not counted)', () => {
    expect(SEARCH_QUERY_MAX).toBe(256);
    expect(unsearchableQuery('a'.repeat(SEARCH_QUERY_MAX + 1))).toBe(`the search is too long: at most ${SEARCH_QUERY_MAX} characters`);
    expect(unsearchableQuery(Array.from({ length: 10_000 }, () => 'or').join(' '))).toBe(`the search is too long: at most ${SEARCH_QUERY_MAX} characters`);
    const longest = 'deploy '.repeat(40).slice(0, SEARCH_QUERY_MAX);
    expect(longest).toHaveLength(SEARCH_QUERY_MAX);
    expect(unsearchableQuery(longest)).toBeNull();
    expect(unsearchableQuery(`  ${longest}  `)).toBeNull();
    expect(unsearchableQuery(`${longest}x`)).toBe(`the search is too long: at most ${SEARCH_QUERY_MAX} characters`);
  });
});

describe('MessageIndex', () => {
  const index = MessageIndex.empty();
  const deployFriday = message('We deploy the release on Friday after the release notes are ready');
  const deployOnce = message('Can someone deploy staging?', { senderId: BOB, sender: 'bob' });
  const notesOrder = message('The notes of the release are late');
  const cats = message('I adopted two cats this weekend', { roomId: ROOM_B, roomName: 'pets' });
  for (const m of [deployFriday, deployOnce, notesOrder, cats]) index.add(m);

  it('ranks by match class then recency, highlights the matched words, and matches neither prefixes nor typos (as the server does not)', () => {
    const hits = index.search('release');
    // Both whole-word matches: the newer first, however often the word comes (see mergeRanked).
    expect(hits.map((h) => h.eventId)).toEqual([notesOrder.id, deployFriday.id]);
    expect(highlighted(hits[1] as SearchHit)).toEqual(['release', 'release']);
    expect(index.search('deplo')).toEqual([]);
    expect(index.search('relase')).toEqual([]);
  });

  it('keeps a quoted phrase in order and drops excluded words', () => {
    expect(index.search('"release notes"').map((h) => h.eventId)).toEqual([deployFriday.id]);
    expect(highlighted(index.search('"release notes"')[0] as SearchHit)).toContain('release notes');
    expect(index.search('deploy -staging').map((h) => h.eventId)).toEqual([deployFriday.id]);
    expect(index.search('cats or staging').map((h) => h.eventId).sort()).toEqual([deployOnce.id, cats.id].sort());
  });

  it('filters by room, sender and time', () => {
    expect(index.search('deploy', { sender: 'BOB' }).map((h) => h.eventId)).toEqual([deployOnce.id]);
    expect(index.search('cats', { roomIds: new Set([ROOM_A]) })).toEqual([]);
    expect(index.search('deploy', { since: Date.parse(deployOnce.createdAt) }).map((h) => h.eventId)).toEqual([deployOnce.id]);
    expect(index.search('deploy', { until: Date.parse(deployFriday.createdAt) }).map((h) => h.eventId)).toEqual([deployFriday.id]);
  });

  it('survives serialization with its room positions', () => {
    index.setRoom(ROOM_A, 3, []);
    const again = MessageIndex.load(index.serialize());
    expect(again.size).toBe(4);
    expect(again.room(ROOM_A).indexedSeq).toBe(3);
    expect(again.search('"release notes"').map((h) => h.eventId)).toEqual([deployFriday.id]);
  });

  it('gives each hit its seq as a number, as the server does, also after serialization', () => {
    const hit = index.search('"release notes"')[0];
    expect(hit?.seq).toBe(deployFriday.seq);
    expect(typeof hit?.seq).toBe('number');
    const again = MessageIndex.load(index.serialize());
    expect(again.search('"release notes"')[0]?.seq).toBe(deployFriday.seq);
    // A stored seq that is text still answers a number.
    const old = JSON.parse(index.serialize()) as { index: { storedFields: Record<string, { seq: unknown }> } };
    for (const stored of Object.values(old.index.storedFields)) stored.seq = String(stored.seq);
    expect(MessageIndex.load(JSON.stringify(old)).search('"release notes"')[0]?.seq).toBe(deployFriday.seq);
  });

  // Version 3 had recorded rooms as read past the messages whose keys were missing (before the device
  // or the user's joining): loaded, it would never find them once the keys came. The CLI rebuilds an
  // index it cannot load (cli/node/private-index-file.ts).
  it('refuses an index of version 3, so it is built again', () => {
    const v3 = { ...(JSON.parse(index.serialize()) as Record<string, unknown>), v: 3 };
    expect(() => MessageIndex.load(JSON.stringify(v3))).toThrow(/unknown search index version 3/);
  });
});

describe('MessageIndex changes', () => {
  it('reports the messages added and rooms moved since last asked, once, and none for an index made of records', () => {
    const first = message('kept in a record of its own');
    const index = MessageIndex.of([first], [[ROOM_A, { indexedSeq: 1, pending: [] }]]);
    expect(index.takeChanges()).toEqual({ messages: [], removed: [], earlyEdits: [], rooms: [] });
    expect(index.search('record').map((h) => h.eventId)).toEqual([first.id]);
    const second = message('another one');
    index.add(second);
    index.add(first);
    index.setRoom(ROOM_A, 2, []);
    expect(index.takeChanges()).toEqual({ messages: [second], removed: [], earlyEdits: [], rooms: [[ROOM_A, { indexedSeq: 2, pending: [] }]] });
    expect(index.takeChanges()).toEqual({ messages: [], removed: [], earlyEdits: [], rooms: [] });
  });

  it('reports an edit as the whole record with its new text, a delete as a removed id, and early edits kept and applied', () => {
    const first = message('first words');
    const second = message('second words');
    const index = MessageIndex.of([first, second], []);
    index.edit(first.id, { seq: 10, senderId: first.senderId, text: 'changed words' });
    index.remove(second.id);
    index.edit('not-yet', { seq: 11, senderId: first.senderId, text: 'early words' });
    expect(index.takeChanges()).toEqual({
      messages: [{ ...first, text: 'changed words', editSeq: 10 }],
      removed: [second.id],
      earlyEdits: [['not-yet', { seq: 11, senderId: first.senderId, text: 'early words' }]],
      rooms: [],
    });
    // Made again from those records, the early edit applies when its target comes.
    const again = MessageIndex.of([{ ...first, text: 'changed words', editSeq: 10 }], [], [['not-yet', { seq: 11, senderId: first.senderId, text: 'early words' }]]);
    const late = message('late words', { id: 'not-yet' });
    again.add(late);
    expect(again.takeChanges()).toEqual({ messages: [{ ...late, text: 'early words', editSeq: 11 }], removed: [], earlyEdits: [['not-yet', null]], rooms: [] });
    expect(again.search('words').map((h) => h.snippet.text).sort()).toEqual(['changed words', 'early words']);
  });
});

describe('snippets', () => {
  it('cuts a long text around the first match and shifts the highlights', () => {
    const text = `${'filler '.repeat(60)}the needle is here ${'more '.repeat(60)}`;
    const start = text.indexOf('needle');
    const s = snippetAround(text, [[start, start + 6]], 80);
    expect(s.text.length).toBeLessThanOrEqual(82);
    expect(s.text.startsWith('…')).toBe(true);
    expect(s.text.endsWith('…')).toBe(true);
    expect(s.highlights.map(([a, b]) => s.text.slice(a, b))).toEqual(['needle']);
  });

  // Cut at a space only: a long run of CJK text (no spaces) next to the match was dropped whole, and
  // the excerpt used about half of its room.
  it('cuts inside a CJK run rather than dropping it, using the room, and never splits an emoji', () => {
    const text = `${'前置きの文章'.repeat(20)} 検索テスト 絵文字 🎉🎉🎉 banana ${'あいうえお'.repeat(40)} end`;
    const at = text.indexOf('banana');
    for (const max of [30, 40, 60, 80]) {
      const s = snippetAround(text, [[at, at + 6]], max);
      const inner = s.text.replace(/^…|…$/g, '');
      expect(inner.length, `${max}: ${s.text}`).toBeGreaterThanOrEqual(max - 2);
      expect(inner.length).toBeLessThanOrEqual(max);
      expect(s.text).toContain('あいう');
      expect(s.highlights.map(([a, b]) => s.text.slice(a, b))).toEqual(['banana']);
      expect(s.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    // Measured in terminal columns (a CJK character takes two).
    const cols = snippetAround(text, [[at, at + 6]], 60, stringWidth);
    expect(stringWidth(cols.text.replace(/^…|…$/g, ''))).toBeGreaterThanOrEqual(58);
    expect(stringWidth(cols.text.replace(/^…|…$/g, ''))).toBeLessThanOrEqual(60);
  });

  it('reads ts_headline markers into ranges', () => {
    const s = snippetFromMarked('a <b>quick</b> brown <b>fox</b>\njumps', '<b>', '</b>');
    expect(s).toEqual({ text: 'a quick brown fox jumps', highlights: [[2, 7], [14, 17]] });
  });
});

describe('MessageIndex and edited messages', () => {
  // An open room's hit on an edited message showed the edit's time, a private room's the send time.
  it('gives a hit on an edited message its send time and the edit time as editedAt, also for an edit opened before its target', () => {
    const index = MessageIndex.empty();
    const first = message('the plan is kumquat');
    index.add(first);
    const editedAt = new Date(Date.parse(first.createdAt) + 3_600_000).toISOString();
    index.edit(first.id, { seq: 40, senderId: ALICE, text: 'the plan is tamarind', createdAt: editedAt });
    const early = message('the route is north');
    index.edit(early.id, { seq: 41, senderId: ALICE, text: 'the route is tamarind lane', createdAt: editedAt });
    index.add(early);
    const plain = message('tamarind as it was sent');
    index.add(plain);
    const reread = MessageIndex.load(index.serialize());
    for (const idx of [index, reread]) {
      const hits = new Map(idx.search('tamarind').map((h) => [h.eventId, h]));
      expect(hits.get(first.id)).toMatchObject({ createdAt: first.createdAt, editedAt });
      expect(hits.get(early.id)).toMatchObject({ createdAt: early.createdAt, editedAt });
      expect(hits.get(plain.id)?.createdAt).toBe(plain.createdAt);
      expect(hits.get(plain.id)).not.toHaveProperty('editedAt');
    }
  });
});

describe('mergeRanked', () => {
  const hit = (id: string, score: number, minute: number): SearchHit => ({
    roomId: ROOM_A, roomName: 'a', eventId: id, seq: 1, sender: { id: ALICE, username: 'alice' },
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), score, snippet: { text: '', highlights: [] },
  });

  it('puts the better match class first, then the newer message, whatever fraction each engine added', () => {
    const server = [hit('s1', 1.5, 1), hit('s2', 1.25, 2)];
    const local = [hit('l1', 3.1, 3), hit('l2', 1.7, 4), hit('l3', 1.9, 0)];
    expect(mergeRanked([server, local], 4).map((h) => [h.eventId, h.score])).toEqual([['l1', 3], ['l2', 1], ['s2', 1], ['s1', 1]]);
  });

  // `chat search PLT` gave plans#13 (15:10:53), general#14 (:44), general#5 (:37), plans#4 (:47): four
  // part-of-token matches, the private ones scored ~2.8 and the open ones ~2.1 for the same text.
  it('merges the same text in an open room (ts_rank) and a private room (MiniSearch) by recency, with the same score', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 15, 10, s)).toISOString();
    const index = MessageIndex.empty();
    index.add(message('PLT-3699 budget for Q3-2027, v2-final, per fin-ops and the e-mail of ops-lead', { roomName: 'plans', seq: 4, createdAt: at(47) }));
    index.add(message('PLT-3699 budget', { roomName: 'plans', seq: 13, createdAt: at(53) }));
    const local = index.search('PLT');
    // As the SQL store scores them: class 2 (a part of a token) + ts_rank / (ts_rank + 1).
    const server = [5, 14].map((seq, i): SearchHit => ({
      roomId: ROOM_B, roomName: 'general', eventId: `00000000-0000-4000-8000-0000000001${String(seq).padStart(2, '0')}`, seq,
      sender: { id: BOB, username: 'bob' }, createdAt: at([37, 44][i] as number), score: 2 + 0.0991 / 1.0991, snippet: { text: 'PLT-3699 budget', highlights: [[0, 3]] },
    }));
    const merged = mergeRanked([server.slice().reverse(), local], 10);
    expect(merged.map((h) => `${h.roomName}#${h.seq}`)).toEqual(['plans#13', 'plans#4', 'general#14', 'general#5']);
    expect(new Set(merged.map((h) => h.score))).toEqual(new Set([2]));
    // The device's own list: the class alone, newest first.
    expect(local.map((h) => [h.seq, h.score])).toEqual([[13, 2], [4, 2]]);
  });
});
