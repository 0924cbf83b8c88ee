import { describe, expect, it } from 'vitest';
import { boundDrafts, DRAFT_MAX_AGE_MS, DRAFT_MAX_CHARS, DRAFT_MAX_ROOMS, DraftBook } from './drafts.js';

/** A drafts file in memory. */
function memoryFile(initial: string | null = null) {
  const file = { text: initial, writes: 0 };
  return { file, persistence: { read: async () => file.text, write: async (text: string) => void ((file.text = text), (file.writes += 1)) } };
}

const DAY = 24 * 60 * 60 * 1000;

describe('DraftBook', () => {
  it('keeps a draft per room, drops an emptied one, and writes them on flush for the next run', async () => {
    const { file, persistence } = memoryFile();
    const book = await DraftBook.open(persistence, () => 1000, 60_000);
    book.set('a', { text: 'for a', cursor: 2 });
    book.set('b', { text: 'for b', cursor: 5 });
    book.set('b', { text: '', cursor: 0 });
    await book.flush();
    const again = await DraftBook.open(persistence, () => 2000);
    expect(again.get('a')).toEqual({ text: 'for a', cursor: 2 });
    expect(again.get('b')).toBeUndefined();
    expect(file.writes).toBe(1);
  });

  it('starts with no drafts from a file that does not open or parse, and replaces it on the next write', async () => {
    const damaged = { read: async () => Promise.reject(new Error('damaged')), write: async () => {} };
    expect((await DraftBook.open(damaged)).get('a')).toBeUndefined();
    const { persistence } = memoryFile('{"version":1,"drafts":{"a":{"text":1}}}');
    expect((await DraftBook.open(persistence)).get('a')).toBeUndefined();
  });

  it('drops the drafts of rooms left, and those untouched for longer than 30 days when read', async () => {
    let now = 0;
    const { persistence } = memoryFile();
    const book = await DraftBook.open(persistence, () => now, 60_000);
    book.set('old', { text: 'old', cursor: 3 });
    now = 10 * DAY;
    book.set('left', { text: 'left', cursor: 4 });
    book.set('kept', { text: 'kept', cursor: 4 });
    book.keepOnly(new Set(['old', 'kept']));
    expect(book.get('left')).toBeUndefined();
    await book.flush();
    now = DRAFT_MAX_AGE_MS + DAY;
    const later = await DraftBook.open(persistence, () => now);
    expect(later.get('old')).toBeUndefined();
    expect(later.get('kept')).toEqual({ text: 'kept', cursor: 4 });
  });
});

describe('DraftBook: a draft\'s target (a reply or an edit in progress)', () => {
  it('keeps a reply\'s target and an edit\'s text with the draft across a restart; clearing the target of an empty draft drops it', async () => {
    const { persistence } = memoryFile();
    const book = await DraftBook.open(persistence, () => 1000, 60_000);
    book.setTarget('a', { kind: 'reply', eventId: 'e1', seq: 4 });
    book.set('a', { text: 'sure', cursor: 4 });
    book.set('b', { text: 'plain under the edit', cursor: 5 });
    book.setTarget('b', { kind: 'edit', eventId: 'e2', seq: 7, text: '', cursor: 0 });
    book.setEditText('b', { text: 'fixed text', cursor: 3 });
    // An edit's text goes only to an edit target.
    book.setEditText('a', { text: 'not here', cursor: 0 });
    book.setTarget('c', { kind: 'reply', eventId: 'e3', seq: 1 });
    await book.flush();
    const again = await DraftBook.open(persistence, () => 2000);
    expect(again.get('a')).toEqual({ text: 'sure', cursor: 4 });
    expect(again.target('a')).toEqual({ kind: 'reply', eventId: 'e1', seq: 4 });
    expect(again.get('b')).toEqual({ text: 'plain under the edit', cursor: 5 });
    expect(again.target('b')).toEqual({ kind: 'edit', eventId: 'e2', seq: 7, text: 'fixed text', cursor: 3 });
    // A reply begun with nothing typed yet is kept too, and goes with its target.
    expect(again.get('c')).toBeUndefined();
    expect(again.target('c')).toEqual({ kind: 'reply', eventId: 'e3', seq: 1 });
    again.setTarget('c', null);
    again.setTarget('a', null);
    expect(again.target('c')).toBeUndefined();
    expect(again.get('a')).toEqual({ text: 'sure', cursor: 4 });
    expect(again.target('a')).toBeUndefined();
  });

  it('keeps the room shown last across a restart, and reads a file without one as none', async () => {
    const { file, persistence } = memoryFile(JSON.stringify({ version: 1, drafts: {} }));
    const book = await DraftBook.open(persistence, () => 1000, 60_000);
    expect(book.lastRoom()).toBeUndefined();
    book.setLastRoom('b');
    await book.flush();
    expect(JSON.parse(file.text ?? '')).toEqual({ version: 1, drafts: {}, lastRoom: 'b' });
    expect((await DraftBook.open(persistence, () => 2000)).lastRoom()).toBe('b');
  });

  it('reads a file written before targets were kept', async () => {
    const { persistence } = memoryFile(JSON.stringify({ version: 1, drafts: { a: { text: 'old', cursor: 1, savedAt: 1000 } } }));
    const book = await DraftBook.open(persistence, () => 2000);
    expect(book.get('a')).toEqual({ text: 'old', cursor: 1 });
    expect(book.target('a')).toBeUndefined();
  });

  it('counts an edit\'s text in the bound on characters kept', () => {
    const half = 'x'.repeat(DRAFT_MAX_CHARS / 2 + 1);
    const drafts = new Map([
      ['a', { text: '', cursor: 0, savedAt: 1, target: { kind: 'edit' as const, eventId: 'e', seq: 1, text: half, cursor: 0 } }],
      ['b', { text: half, cursor: 0, savedAt: 2 }],
    ]);
    expect([...boundDrafts(drafts, 3).keys()]).toEqual(['b']);
  });
});

describe('boundDrafts', () => {
  it(`keeps the newest ${DRAFT_MAX_ROOMS} drafts and at most ${DRAFT_MAX_CHARS} characters in all, oldest dropped first`, () => {
    const many = new Map(Array.from({ length: DRAFT_MAX_ROOMS + 5 }, (_, i) => [`r${i}`, { text: `t${i}`, cursor: 0, savedAt: i }] as const));
    const kept = boundDrafts(many, DRAFT_MAX_ROOMS + 5);
    expect(kept.size).toBe(DRAFT_MAX_ROOMS);
    expect(kept.has('r0')).toBe(false);
    expect(kept.has(`r${DRAFT_MAX_ROOMS + 4}`)).toBe(true);
    const big = 'x'.repeat(DRAFT_MAX_CHARS / 2 + 1);
    const large = boundDrafts(new Map([['a', { text: big, cursor: 0, savedAt: 1 }], ['b', { text: big, cursor: 0, savedAt: 2 }], ['c', { text: 'small', cursor: 0, savedAt: 0 }]]), 3);
    expect([...large.keys()].sort()).toEqual(['b', 'c']);
  });
});
