import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, E2ESession, LiveClient, Opened } from '../../shared/client/index.js';
import type { Envelope, Relation, Room, RoomEvent } from '../../shared/protocol/index.js';
import { App } from './app.js';
import { DraftBook } from './state/drafts.js';

// Selecting a message in the timeline and acting on it: edit, delete, reply, react, in open and
// private rooms, by key and by slash command; and the read marker and mention counts that follow.

/** Polls until the condition holds: rendering is asynchronous, and slower on a loaded machine. */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const KEYS = { ctrlN: '\u000e', ctrlP: '\u0010', ctrlC: '\u0003', up: '\u001b[A', down: '\u001b[B', ctrlUp: '\u001b[1;5A', esc: '\u001b', enter: '\r', pageUp: '\u001b[5~', pageDown: '\u001b[6~' };

const OPEN: Room = { id: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d', name: 'general', topic: '', visibility: 'open', headSeq: 9, memberCount: 3, createdAt: '2026-11-25T10:00:00.000Z', role: 'member' };
const OWNED: Room = { ...OPEN, role: 'owner' };
const PRIVATE: Room = { ...OPEN, name: 'secret', visibility: 'private' };
const OTHER: Room = { ...OPEN, id: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8e', name: 'plans' };
const ME = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };
const BOB = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob' };

const idOf = (n: number, room: Room = OPEN) => `00000000-0000-4000-8${room.id.slice(-3)}-0000000000${String(n).padStart(2, '0')}`;

/** A message event of `room` at seq `n`: open rooms carry `body`, private ones an envelope (opened through the fake). */
function ev(room: Room, n: number, sender: { id: string; username: string }, body: string | null, relation?: Relation): RoomEvent {
  const envelope = room.visibility === 'private' && relation?.type !== 'delete' ? ({ roomId: room.id, senderUser: sender.id } as Envelope) : null;
  return {
    id: idOf(n, room), roomId: room.id, seq: n, kind: 'message', sender, body: envelope ? null : body, envelope, target: null, clientMsgId: null,
    createdAt: new Date().toISOString(), ...(relation ? { relation } : {}),
  };
}
const rel = (type: string, n: number, room: Room = OPEN): Relation => ({ type, eventId: idOf(n, room), seq: n });

/**
 * The app over fakes, in `rooms` (the first shown) with `history` by room id; private events open to
 * `bodies` (by seq). `emit` delivers a live socket frame.
 */
function setup(rooms: Room[], history: Record<string, RoomEvent[]>, bodies: Map<number, string> = new Map(), size?: { columns: number; rows: number }, drafts?: DraftBook, historyGate: Promise<void> = Promise.resolve()) {
  const listeners = new Map<string, ((p: unknown) => void)[]>();
  const live = {
    state: { status: 'connected' },
    on: (name: string, fn: (p: unknown) => void) => {
      listeners.set(name, [...(listeners.get(name) ?? []), fn]);
      return () => {};
    },
    start: vi.fn(), stop: vi.fn(), watch: vi.fn(), typing: vi.fn(),
  } as unknown as LiveClient;
  let seq = 100;
  // Relations go through the outbox over the socket, as messages do: each send is acked at once.
  const ack = (roomId: string, clientMsgId: string) => ({ type: 'ack', roomId, clientMsgId, id: idOf(99), seq: ++seq });
  /** What each relation sent: the room and the payload, as a `send` frame carries them. */
  const sentRelations: [string, Record<string, unknown>][] = [];
  Object.assign(live, {
    send: vi.fn(async (roomId: string, body: string, clientMsgId: string, relatesTo?: unknown) => {
      sentRelations.push([roomId, { clientMsgId, body, ...(relatesTo ? { relatesTo } : {}) }]);
      return ack(roomId, clientMsgId);
    }),
    sendEnvelope: vi.fn(async (roomId: string, envelope: Envelope, relatesTo?: unknown) => {
      sentRelations.push([roomId, { clientMsgId: envelope.clientMsgId, envelope, ...(relatesTo ? { relatesTo } : {}) }]);
      return ack(roomId, envelope.clientMsgId);
    }),
  });
  const api = {
    rooms: async () => rooms,
    history: async (roomId: string) => {
      await historyGate;
      return { events: history[roomId] ?? [], headSeq: 9, hasMore: false };
    },
    members: async () => [],
    deleteMessage: vi.fn(async () => ({ id: idOf(98), seq: ++seq })),
    setReadMarker: vi.fn(async (roomId: string, s: number) => ({ roomId, seq: s })),
  } as unknown as ApiClient;
  const open = async (e: RoomEvent): Promise<Opened> => {
    const body = bodies.get(e.seq);
    return body === undefined ? { status: 'not_shared' } : { status: 'ok', body, sentAt: 0 };
  };
  const encrypt = vi.fn(async (roomId: string, body: string, clientMsgId: string) => ({ roomId, clientMsgId, ct: `sealed:${body}` }) as unknown as Envelope);
  const e2e = { sync: async () => {}, open, encrypt } as unknown as E2ESession;
  const deps = {
    api, live, e2e,
    session: { user: ME, deviceId: ME.id, accessToken: '', accessExpiresAt: '', refreshToken: '' },
    readPositions: {}, saveReadPosition: vi.fn(), now: () => Date.now(),
    search: vi.fn(async () => ({ hits: [], waiting: 0, waitingRooms: 0, device: null })), summarize: vi.fn(),
    ...(drafts ? { drafts } : {}),
  };
  const app = render(<App deps={deps} server="s" env={{}} theme="dark" saveTheme={() => {}} />);
  if (size) {
    // ink-testing-library's stdout has fixed getters: the terminal is resized by replacing them.
    Object.defineProperty(app.stdout, 'columns', { value: size.columns });
    Object.defineProperty(app.stdout, 'rows', { value: size.rows });
    app.stdout.emit('resize');
  }
  const emit = (name: string, payload: unknown) => listeners.get(name)?.forEach((fn) => fn(payload));
  const frame = () => app.lastFrame() ?? '';
  const relations = () => sentRelations;
  /** Writes keys one chunk at a time, waiting a little after each (an Escape needs its pause). */
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await new Promise((r) => setTimeout(r, k === KEYS.esc ? 80 : 30));
    }
  };
  return { app, frame, emit, api, live, encrypt, relations, press };
}

/** The timeline row of the selected message (marked ▶). */
const selectedLine = (frame: string) => frame.split('\n').find((l) => l.includes('▶')) ?? '';

describe('selecting a message', () => {
  it('Ctrl+↑ selects the newest message, ↑/↓ move, Esc leaves; ↑ in an empty composer with nothing to recall selects too', async () => {
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, BOB, 'first'), ev(OPEN, 2, ME, 'second'), ev(OPEN, 3, BOB, 'third')] });
    await until(() => t.frame().includes('bob: third'), 'the history');
    expect(t.frame()).not.toContain('▶');
    await t.press(KEYS.ctrlUp);
    await until(() => selectedLine(t.frame()).includes('third'), 'the newest selected');
    expect(t.frame()).toContain('e edit · d delete · r reply · + react');
    await t.press(KEYS.up);
    await until(() => selectedLine(t.frame()).includes('alice: second'), 'the one before');
    await t.press(KEYS.up, KEYS.up);
    await until(() => selectedLine(t.frame()).includes('bob: first'), 'the oldest (and it stays there)');
    await t.press(KEYS.down);
    await until(() => selectedLine(t.frame()).includes('second'), 'one down');
    await t.press(KEYS.esc);
    await until(() => !t.frame().includes('▶'), 'the selection gone');
    await t.press(KEYS.up);
    await until(() => selectedLine(t.frame()).includes('third'), 'selected by ↑ from the empty composer');
    await t.press(KEYS.down);
    await until(() => !t.frame().includes('▶'), 'down past the newest leaves the selection');
    t.app.unmount();
  });

  it('scrolls the timeline to keep the selected message in view', async () => {
    const events = Array.from({ length: 40 }, (_, i) => ev(OPEN, i + 1, BOB, `message number ${i + 1}`));
    const t = setup([OPEN], { [OPEN.id]: events }, new Map(), { columns: 80, rows: 16 });
    await until(() => t.frame().includes('message number 40'), 'the history');
    expect(t.frame()).not.toContain('message number 20 ');
    await t.press(KEYS.ctrlUp, ...Array.from({ length: 20 }, () => KEYS.up));
    await until(() => selectedLine(t.frame()).includes('message number 20'), 'the 20th selected and shown');
    expect(t.frame()).not.toContain('message number 40');
    t.app.unmount();
  });

  // PgUp/PgDn did nothing while a message was selected: the keep-in-view effect ran on every frame and
  // scrolled the (taller than the screen) message's top back in after each key.
  it('PgUp and PgDn scroll through a selected message taller than the screen', async () => {
    const body = Array.from({ length: 200 }, (_, i) => `bigmsg line ${String(i).padStart(3, '0')}`).join('\n');
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, BOB, 'first'), ev(OPEN, 2, BOB, body)] }, new Map(), { columns: 80, rows: 24 });
    await until(() => t.frame().includes('bigmsg line 199'), 'the history');
    await t.press(KEYS.ctrlUp);
    await until(() => t.frame().includes('e edit · d delete'), 'the message selected');
    await t.press(...Array.from({ length: 60 }, () => KEYS.pageUp));
    await until(() => t.frame().includes('bigmsg line 000'), 'the top of the message');
    await t.press(KEYS.pageDown, KEYS.pageDown);
    await until(() => !t.frame().includes('bigmsg line 000'), 'two screens down');
    await new Promise((r) => setTimeout(r, 120));
    // Still there a few frames later (the old code drew it once, then scrolled back to the top).
    expect(t.frame()).not.toContain('bigmsg line 000');
    expect(t.frame()).toContain('bigmsg line 030');
    expect(t.frame()).toContain('e edit · d delete');
    t.app.unmount();
  });
});

describe('acting on the selected message', () => {
  it('e loads one own message into the composer; Enter saves the edit, and the edit coming back shows "(edited)"', async () => {
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, ME, 'helo wrold'), ev(OPEN, 2, BOB, 'after')] });
    await until(() => t.frame().includes('bob: after'), 'the history');
    await t.press(KEYS.ctrlUp, KEYS.up, 'e');
    await until(() => t.frame().includes('editing your message'), 'the edit banner');
    expect(t.frame().split('\n').filter((l) => l.includes('helo wrold'))).toHaveLength(2); // the timeline, and the composer
    await t.press('\u007f'.repeat(10), 'hello world', KEYS.enter);
    await until(() => t.relations().length === 1, 'the edit sent');
    expect(t.relations()[0]).toEqual([OPEN.id, { clientMsgId: expect.any(String), body: 'hello world', relatesTo: { type: 'edit', eventId: idOf(1) } }]);
    // Selection mode ended with the save: its ▶ mark goes at once, not on the next scroll.
    await until(() => !t.frame().includes('editing your message'), 'the edit banner gone');
    await new Promise((r) => setTimeout(r, 60));
    expect(t.frame()).not.toContain('▶');
    // The server's echo of the edit carries the clientMsgId it was sent with; that settles the pending edit.
    t.emit('event', { ...ev(OPEN, 3, ME, 'hello world', rel('edit', 1)), clientMsgId: t.relations()[0]?.[1].clientMsgId });
    await until(() => /alice: hello world \(edited\)/.test(t.frame()), 'the edited text');
    expect(t.frame()).not.toContain('editing your message');
    t.app.unmount();
  });

  it('refuses to edit someone else\'s message, and Esc cancels an edit without sending', async () => {
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, ME, 'mine'), ev(OPEN, 2, BOB, 'theirs')] });
    await until(() => t.frame().includes('bob: theirs'), 'the history');
    await t.press(KEYS.ctrlUp, 'e');
    await until(() => t.frame().includes('only your own messages can be edited'), 'the refusal');
    await t.press(KEYS.up, 'e');
    await until(() => t.frame().includes('editing your message'), 'the edit banner');
    // The banner says what Esc does here: the changes go, the message stays as it was.
    expect(t.frame()).toContain('editing your message — Enter saves · Esc drops your changes');
    await t.press(' more', KEYS.esc);
    await until(() => !t.frame().includes('editing your message'), 'the edit cancelled');
    expect(t.frame()).not.toContain('mine more');
    expect(t.relations()).toEqual([]);
    t.app.unmount();
  });

  it('gives the draft being typed back after an edit is cancelled or saved, and never keeps the edited text as the draft', async () => {
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, ME, 'mine'), ev(OPEN, 2, BOB, 'theirs')] });
    await until(() => t.frame().includes('bob: theirs'), 'the history');
    await t.press('my draft');
    await until(() => t.frame().includes('my draft'), 'the draft');
    await t.press(KEYS.ctrlUp, KEYS.up, 'e');
    await until(() => t.frame().includes('editing your message'), 'the edit banner');
    expect(t.frame()).not.toContain('my draft');
    await t.press(' more', KEYS.esc);
    await until(() => t.frame().includes('my draft'), 'the draft back after Esc');
    expect(t.frame()).not.toContain('mine more');
    await t.press(KEYS.ctrlUp, KEYS.up, 'e');
    await until(() => t.frame().includes('editing your message'), 'the edit banner again');
    await t.press(' again', KEYS.enter);
    await until(() => t.relations().length === 1, 'the edit sent');
    await until(() => t.frame().includes('my draft'), 'the draft back after the edit');
    expect(t.relations()[0]?.[1]).toMatchObject({ body: 'mine again' });
    t.app.unmount();
  });

  it('d asks first: n keeps the message, y deletes it by seq', async () => {
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, BOB, 'theirs'), ev(OPEN, 4, ME, 'oops')] });
    await until(() => t.frame().includes('alice: oops'), 'the history');
    await t.press(KEYS.ctrlUp, 'd');
    await until(() => t.frame().includes('Delete alice\'s message "oops" for everyone? y/n'), 'the question');
    await t.press('n');
    await until(() => t.frame().includes('not deleted'), 'kept');
    expect(vi.mocked(t.api.deleteMessage)).not.toHaveBeenCalled();
    await t.press(KEYS.ctrlUp, 'd', 'y');
    await until(() => vi.mocked(t.api.deleteMessage).mock.calls.length === 1, 'the delete');
    expect(vi.mocked(t.api.deleteMessage)).toHaveBeenCalledWith(OPEN.id, 4);
    await t.press(KEYS.ctrlUp, KEYS.up, 'd');
    await until(() => t.frame().includes('only your own messages can be deleted'), 'someone else\'s refused');
    t.app.unmount();
  });

  it('lets the room\'s owner delete anyone\'s message', async () => {
    const t = setup([OWNED], { [OWNED.id]: [ev(OWNED, 1, BOB, 'spam')] });
    await until(() => t.frame().includes('bob: spam'), 'the history');
    await t.press(KEYS.ctrlUp, 'd', 'y');
    await until(() => vi.mocked(t.api.deleteMessage).mock.calls.length === 1, 'the delete');
    expect(vi.mocked(t.api.deleteMessage)).toHaveBeenCalledWith(OWNED.id, 1);
    t.app.unmount();
  });

  it('r shows "replying to", and Enter sends the reply with its relation', async () => {
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, BOB, 'lunch at noon?'), ev(OPEN, 2, BOB, 'anyone')] });
    await until(() => t.frame().includes('bob: anyone'), 'the history');
    await t.press(KEYS.ctrlUp, KEYS.up, 'r');
    await until(() => t.frame().includes('replying to bob: lunch at noon?'), 'the reply banner');
    await t.press('noon works', KEYS.enter);
    await until(() => t.relations().length === 1, 'the reply sent');
    expect(t.relations()[0]).toEqual([OPEN.id, { clientMsgId: expect.any(String), body: 'noon works', relatesTo: { type: 'reply', eventId: idOf(1) } }]);
    await until(() => !t.frame().includes('replying to'), 'the banner gone');
    t.app.unmount();
  });

  // Esc on a reply emptied the composer: the text typed before `r`, or after it, was lost.
  it('Esc ends a reply but keeps the composer\'s text as a plain draft (typed before or after r); Enter then sends a plain message', async () => {
    const book = DraftBook.inMemory();
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, BOB, 'lunch at noon?'), ev(OPEN, 2, BOB, 'anyone')] }, new Map(), undefined, book);
    await until(() => t.frame().includes('bob: anyone'), 'the history');
    await t.press('important draft');
    await t.press(KEYS.ctrlUp, KEYS.up, 'r', ' and more');
    await until(() => t.frame().includes('replying to bob: lunch at noon?') && composerOf(t.frame()).includes('important draft and more'), 'the reply begun');
    // The banner says what Esc does here ("Esc cancels" read as if the text would go).
    expect(t.frame()).toContain('replying to bob: lunch at noon? — Esc stops replying, keeps your text');
    await t.press(KEYS.esc);
    await until(() => !t.frame().includes('replying to'), 'the reply ended');
    expect(composerOf(t.frame())).toContain('important draft and more');
    expect(book.get(OPEN.id)?.text).toBe('important draft and more');
    expect(book.target(OPEN.id)).toBeUndefined();
    await t.press(KEYS.enter);
    await until(() => t.relations().length === 1, 'the text sent');
    expect(t.relations()[0]?.[1]).toEqual({ clientMsgId: expect.any(String), body: 'important draft and more' });
    t.app.unmount();
  });

  // A reply sent while scrolled back left the view where it was (a plain message brings it to the
  // newest): the reply, shown pending at the bottom, was out of sight.
  it('a reply sent while scrolled back brings the view to the newest, as a plain message does; an edit keeps the view', async () => {
    const events = Array.from({ length: 40 }, (_, i) => ev(OPEN, i + 1, i === 29 ? ME : BOB, `message number ${i + 1}`));
    const t = setup([OPEN], { [OPEN.id]: events }, new Map(), { columns: 80, rows: 16 });
    await until(() => t.frame().includes('message number 40'), 'the history');
    await t.press(KEYS.ctrlUp, ...Array.from({ length: 10 }, () => KEYS.up), 'r');
    await until(() => t.frame().includes('replying to bob: message number 30') || t.frame().includes('replying to alice: message number 30'), 'the reply banner');
    expect(t.frame()).not.toContain('message number 40');
    await t.press('late answer', KEYS.enter);
    await until(() => t.relations().length === 1, 'the reply sent');
    await until(() => t.frame().includes('message number 40'), 'the newest shown after the reply');
    // An edit keeps the view where it is: the edited message stays in sight.
    await t.press(KEYS.ctrlUp, ...Array.from({ length: 10 }, () => KEYS.up), 'e');
    await until(() => t.frame().includes('editing your message'), 'the edit banner');
    await t.press(' (fixed)', KEYS.enter);
    await until(() => t.relations().length === 2, 'the edit sent');
    await new Promise((r) => setTimeout(r, 100));
    expect(t.frame()).not.toContain('message number 40');
    t.app.unmount();
  });

  it('+ offers quick reactions: 1 reacts 👍; a typed emoji and Enter reacts with it; again takes one back', async () => {
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, BOB, 'shipped'), ev(OPEN, 2, ME, '🎉', rel('reaction', 1))] });
    await until(() => t.frame().includes('bob: shipped') && t.frame().includes('🎉 1*'), 'the history');
    await t.press(KEYS.ctrlUp, '+');
    await until(() => t.frame().includes('1 👍'), 'the reaction prompt');
    await t.press('1');
    await until(() => t.relations().length === 1, 'the reaction sent');
    expect(t.relations()[0]).toEqual([OPEN.id, { clientMsgId: expect.any(String), body: '👍', relatesTo: { type: 'reaction', eventId: idOf(1) } }]);
    await until(() => t.frame().includes('reacted 👍'), 'said');
    await t.press(KEYS.ctrlUp, '+', '🎉', KEYS.enter);
    await until(() => vi.mocked(t.api.deleteMessage).mock.calls.length === 1, 'the own 🎉 taken back');
    expect(vi.mocked(t.api.deleteMessage)).toHaveBeenCalledWith(OPEN.id, 2);
    expect(t.relations()).toHaveLength(1);
    await t.press(KEYS.ctrlUp, '+', 'ab', KEYS.enter);
    await until(() => t.frame().includes('a reaction is one emoji'), 'text refused');
    t.app.unmount();
  });

  it('in a private room, edits, replies and reacts with envelopes encrypted on this device', async () => {
    const events = [ev(PRIVATE, 1, ME, null), ev(PRIVATE, 2, BOB, null)];
    const t = setup([PRIVATE], { [PRIVATE.id]: events }, new Map([[1, 'secret draft'], [2, 'the plan']]));
    await until(() => t.frame().includes('bob: the plan'), 'the history');
    await t.press(KEYS.ctrlUp, KEYS.up, 'e');
    await until(() => t.frame().includes('editing your message'), 'the edit banner');
    await t.press(' v2', KEYS.enter);
    await t.press(KEYS.ctrlUp, 'r');
    await until(() => t.frame().includes('replying to bob: the plan'), 'the reply banner (opened text)');
    await t.press('agreed', KEYS.enter);
    await t.press(KEYS.ctrlUp, '+', '2');
    await until(() => t.relations().length === 3, 'three relations sent');
    expect(t.encrypt.mock.calls.map((c) => c[1])).toEqual(['secret draft v2', 'agreed', '❤️']);
    expect(t.relations().map(([, p]) => (p as { relatesTo: unknown }).relatesTo)).toEqual([
      { type: 'edit', eventId: idOf(1, PRIVATE) },
      { type: 'reply', eventId: idOf(2, PRIVATE) },
      { type: 'reaction', eventId: idOf(2, PRIVATE) },
    ]);
    for (const [, p] of t.relations()) {
      expect(p).not.toHaveProperty('body');
      expect(p).toHaveProperty('envelope');
    }
    t.app.unmount();
  });

  it('slash forms act on the selected message, else the last one (own for /edit)', async () => {
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, BOB, 'one'), ev(OPEN, 2, ME, 'two'), ev(OPEN, 3, BOB, 'three')] });
    await until(() => t.frame().includes('bob: three'), 'the history');
    await t.press('/react 🎉', KEYS.enter);
    await until(() => t.relations().length === 1, '/react');
    await t.press('/edit two!', KEYS.enter);
    await until(() => t.relations().length === 2, '/edit');
    await t.press(KEYS.ctrlUp, KEYS.up, KEYS.up, '/reply hi bob', KEYS.enter);
    await until(() => t.relations().length === 3, '/reply on the selected');
    // The reply comes back as the server stores it (a message of its own: until then it is still being sent).
    t.emit('event', { ...ev(OPEN, 103, ME, 'hi bob', rel('reply', 1)), clientMsgId: (t.relations()[2]?.[1] as { clientMsgId: string }).clientMsgId });
    expect(t.relations().map(([, p]) => [(p as { body: string }).body, (p as { relatesTo: unknown }).relatesTo])).toEqual([
      ['🎉', { type: 'reaction', eventId: idOf(3) }],
      ['two!', { type: 'edit', eventId: idOf(2) }],
      ['hi bob', { type: 'reply', eventId: idOf(1) }],
    ]);
    await t.press('/delete', KEYS.enter);
    await until(() => t.frame().includes('Delete alice\'s message "hi bob" for everyone? y/n'), '/delete asks about the own last one');
    await t.press('y');
    await until(() => vi.mocked(t.api.deleteMessage).mock.calls.length === 1, 'the delete');
    expect(vi.mocked(t.api.deleteMessage)).toHaveBeenCalledWith(OPEN.id, 103);
    t.app.unmount();
  });
});

/** A drafts file in memory, and a book over it (as the interactive client opens one at start). */
function memoryDrafts() {
  const disk: { text: string | null } = { text: null };
  const persistence = { read: async () => disk.text, write: async (text: string) => void (disk.text = text) };
  return { disk, open: () => DraftBook.open(persistence) };
}

/** The text inside the composer's border (its last box on screen). */
const composerOf = (frame: string) => frame.split('╭').at(-1) ?? '';

// A reply or an edit typed and left unsent was kept as a plain draft (a reply) or dropped (an edit):
// after a room switch or a restart, Enter sent a plain message, or the edit's text was gone.
describe('a reply or edit in progress kept with the room\'s draft', () => {
  it('brings "replying to" back after a room switch and after a restart, and Enter sends the reply', async () => {
    const events = { [OPEN.id]: [ev(OPEN, 1, BOB, 'lunch at noon?'), ev(OPEN, 2, BOB, 'anyone')], [OTHER.id]: [ev(OTHER, 1, BOB, 'plans here')] };
    const files = memoryDrafts();
    const book = await files.open();
    const t = setup([OPEN, OTHER], events, new Map(), undefined, book);
    await until(() => t.frame().includes('bob: anyone'), 'the history');
    await t.press(KEYS.ctrlUp, KEYS.up, 'r', 'noon ');
    await until(() => t.frame().includes('replying to bob: lunch at noon?') && composerOf(t.frame()).includes('noon'), 'the reply begun');
    await t.press(KEYS.ctrlN);
    await until(() => t.frame().includes('bob: plans here'), 'the other room');
    expect(t.frame()).not.toContain('replying to');
    await t.press(KEYS.ctrlP);
    await until(() => t.frame().includes('replying to bob: lunch at noon?'), 'the reply state back after the switch');
    expect(composerOf(t.frame())).toContain('noon');
    await t.press(KEYS.ctrlC);
    t.app.unmount();
    await book.flush();
    const again = setup([OPEN, OTHER], events, new Map(), undefined, await files.open());
    await until(() => again.frame().includes('replying to bob: lunch at noon?'), 'the reply state back after a restart');
    await again.press('works', KEYS.enter);
    await until(() => again.relations().length === 1, 'the reply sent');
    expect(again.relations()[0]).toEqual([OPEN.id, { clientMsgId: expect.any(String), body: 'noon works', relatesTo: { type: 'reply', eventId: idOf(1) } }]);
    await until(() => !again.frame().includes('replying to'), 'the banner gone');
    again.app.unmount();
  });

  it('brings an unsaved edit back (text and "editing") after a room switch and a restart; the plain draft under it stays', async () => {
    const events = { [OPEN.id]: [ev(OPEN, 1, ME, 'helo wrold'), ev(OPEN, 2, BOB, 'after')], [OTHER.id]: [ev(OTHER, 1, BOB, 'plans here')] };
    const files = memoryDrafts();
    const book = await files.open();
    const t = setup([OPEN, OTHER], events, new Map(), undefined, book);
    await until(() => t.frame().includes('bob: after'), 'the history');
    await t.press('my draft');
    await until(() => composerOf(t.frame()).includes('my draft'), 'the plain draft');
    await t.press(KEYS.ctrlUp, KEYS.up, 'e', '\u007f'.repeat(5), 'world');
    await until(() => t.frame().includes('editing your message') && composerOf(t.frame()).includes('helo world'), 'the edit typed');
    await t.press(KEYS.ctrlN);
    await until(() => t.frame().includes('bob: plans here'), 'the other room');
    await t.press(KEYS.ctrlP);
    await until(() => t.frame().includes('editing your message'), 'the edit back after the switch');
    expect(composerOf(t.frame())).toContain('helo world');
    await t.press(KEYS.ctrlC);
    t.app.unmount();
    await book.flush();
    const again = setup([OPEN, OTHER], events, new Map(), undefined, await files.open());
    await until(() => again.frame().includes('editing your message'), 'the edit back after a restart');
    expect(composerOf(again.frame())).toContain('helo world');
    await again.press('!', KEYS.enter);
    await until(() => again.relations().length === 1, 'the edit saved');
    expect(again.relations()[0]).toEqual([OPEN.id, { clientMsgId: expect.any(String), body: 'helo world!', relatesTo: { type: 'edit', eventId: idOf(1) } }]);
    await until(() => composerOf(again.frame()).includes('my draft'), 'the plain draft back after the edit');
    again.app.unmount();
  });

  it('does not send a kept edit as a plain message while its message is still loading', async () => {
    const book = DraftBook.inMemory();
    book.set(OPEN.id, { text: 'plain', cursor: 5 });
    book.setTarget(OPEN.id, { kind: 'edit', eventId: idOf(1), seq: 1, text: 'fixed text', cursor: 10 });
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, ME, 'fixd text')] }, new Map(), undefined, book, gate);
    await until(() => composerOf(t.frame()).includes('fixed text'), 'the kept edit\'s text');
    await t.press(KEYS.enter);
    await until(() => t.frame().includes('still loading the message you were editing'), 'the status line');
    expect(t.relations()).toEqual([]);
    expect(composerOf(t.frame())).toContain('fixed text');
    release();
    await until(() => t.frame().includes('editing your message'), 'the edit back once its message loaded');
    await t.press(KEYS.enter);
    await until(() => t.relations().length === 1, 'the edit saved');
    expect(t.relations()[0]?.[1]).toEqual({ clientMsgId: expect.any(String), body: 'fixed text', relatesTo: { type: 'edit', eventId: idOf(1) } });
    await until(() => composerOf(t.frame()).includes('plain'), 'the plain draft back');
    t.app.unmount();
  });

  it('Esc cancels a kept edit while its message is still loading: the plain draft comes back, and the edit does not return', async () => {
    const book = DraftBook.inMemory();
    book.set(OPEN.id, { text: 'plain', cursor: 5 });
    book.setTarget(OPEN.id, { kind: 'edit', eventId: idOf(1), seq: 1, text: 'fixed text', cursor: 10 });
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, ME, 'fixd text')] }, new Map(), undefined, book, gate);
    await until(() => composerOf(t.frame()).includes('fixed text'), 'the kept edit\'s text');
    await t.press(KEYS.esc);
    await until(() => composerOf(t.frame()).includes('plain'), 'the plain draft back');
    expect(book.target(OPEN.id)).toBeUndefined();
    release();
    await until(() => t.frame().includes('alice: fixd text'), 'the history');
    await new Promise((r) => setTimeout(r, 100));
    expect(t.frame()).not.toContain('editing your message');
    t.app.unmount();
  });

  it('Esc on a kept reply (after a restart) ends the reply and keeps its text, whether its message is back or still loading', async () => {
    for (const loaded of [true, false]) {
      const book = DraftBook.inMemory();
      book.set(OPEN.id, { text: 'noon works', cursor: 10 });
      book.setTarget(OPEN.id, { kind: 'reply', eventId: idOf(1), seq: 1 });
      let release = () => {};
      const gate = loaded ? Promise.resolve() : new Promise<void>((r) => (release = r));
      const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, BOB, 'lunch at noon?')] }, new Map(), undefined, book, gate);
      await until(() => composerOf(t.frame()).includes('noon works'), 'the kept reply\'s text');
      if (loaded) await until(() => t.frame().includes('replying to bob'), 'the reply back');
      await t.press(KEYS.esc);
      await until(() => book.target(OPEN.id) === undefined, 'the reply ended');
      expect(composerOf(t.frame())).toContain('noon works');
      expect(book.get(OPEN.id)?.text).toBe('noon works');
      release();
      await until(() => t.frame().includes('bob: lunch at noon?'), 'the history');
      expect(t.frame()).not.toContain('replying to');
      t.app.unmount();
    }
  });

  it('says so when the message being edited was deleted meanwhile, and keeps the text as a plain draft', async () => {
    const events = { [OPEN.id]: [ev(OPEN, 1, ME, 'helo wrold'), ev(OPEN, 2, BOB, 'after')], [OTHER.id]: [ev(OTHER, 1, BOB, 'plans here')] };
    const t = setup([OPEN, OTHER], events);
    await until(() => t.frame().includes('bob: after'), 'the history');
    await t.press(KEYS.ctrlUp, KEYS.up, 'e', ' again');
    await until(() => composerOf(t.frame()).includes('helo wrold again'), 'the edit typed');
    await t.press(KEYS.ctrlN);
    await until(() => t.frame().includes('bob: plans here'), 'the other room');
    // Deleted (on another device) while this room was not shown.
    t.emit('event', ev(OPEN, 3, ME, null, rel('delete', 1)));
    await t.press(KEYS.ctrlP);
    await until(() => t.frame().includes('the message you were editing was deleted'), 'the status line saying so');
    expect(t.frame()).not.toContain('editing your message');
    expect(composerOf(t.frame())).toContain('helo wrold again');
    await t.press(KEYS.enter);
    await until(() => t.relations().length === 1, 'the text sent');
    expect(t.relations()[0]?.[1]).toEqual({ clientMsgId: expect.any(String), body: 'helo wrold again' });
    t.app.unmount();
  });

  // Keys typed in one burst after a room switch were released before the kept reply or edit came
  // back: Enter sent a plain message, and the reply went with the next one.
  it.each([
    ['Ctrl+P', [KEYS.ctrlP]],
    ['the room switcher', ['\u000b', 'general', KEYS.enter]],
  ])('sends a kept reply as the reply when a burst switches back (%s), types and presses Enter', async (_how, back) => {
    const events = { [OPEN.id]: [ev(OPEN, 1, BOB, 'lunch at noon?'), ev(OPEN, 2, BOB, 'anyone')], [OTHER.id]: [ev(OTHER, 1, BOB, 'plans here')] };
    const t = setup([OPEN, OTHER], events);
    await until(() => t.frame().includes('bob: anyone'), 'the history');
    await t.press(KEYS.ctrlUp, KEYS.up, 'r', 'noon ');
    await until(() => t.frame().includes('replying to bob: lunch at noon?') && composerOf(t.frame()).includes('noon'), 'the reply begun');
    await t.press(KEYS.ctrlN);
    await until(() => t.frame().includes('bob: plans here'), 'the other room');
    await t.press([...back, 'works', KEYS.enter].join(''));
    await until(() => t.relations().length === 1, 'the reply sent');
    expect(t.relations()[0]).toEqual([OPEN.id, { clientMsgId: expect.any(String), body: 'noon works', relatesTo: { type: 'reply', eventId: idOf(1) } }]);
    await until(() => !t.frame().includes('replying to'), 'the banner gone');
    t.app.unmount();
  });

  it('saves a kept edit when a burst switches back, types and presses Enter', async () => {
    const events = { [OPEN.id]: [ev(OPEN, 1, ME, 'helo wrold'), ev(OPEN, 2, BOB, 'after')], [OTHER.id]: [ev(OTHER, 1, BOB, 'plans here')] };
    const t = setup([OPEN, OTHER], events);
    await until(() => t.frame().includes('bob: after'), 'the history');
    await t.press(KEYS.ctrlUp, KEYS.up, 'e');
    await until(() => t.frame().includes('editing your message') && composerOf(t.frame()).includes('helo wrold'), 'the edit begun');
    await t.press(KEYS.ctrlN);
    await until(() => t.frame().includes('bob: plans here'), 'the other room');
    await t.press(`${KEYS.ctrlP}-E3${KEYS.enter}`);
    await until(() => t.relations().length === 1, 'the edit saved');
    expect(t.relations()[0]).toEqual([OPEN.id, { clientMsgId: expect.any(String), body: 'helo wrold-E3', relatesTo: { type: 'edit', eventId: idOf(1) } }]);
    await until(() => !t.frame().includes('editing your message'), 'the banner gone');
    t.app.unmount();
  });

  // Deleted while the room showed, the reply's banner quoted nothing and Enter failed ("message was deleted").
  it('ends a reply or an edit whose message is deleted while the room shows: the status line says so, the text stays a plain draft', async () => {
    const events = { [OPEN.id]: [ev(OPEN, 1, BOB, 'lunch at noon?'), ev(OPEN, 2, ME, 'helo wrold'), ev(OPEN, 3, BOB, 'after')] };
    const t = setup([OPEN], events);
    await until(() => t.frame().includes('bob: after'), 'the history');
    await t.press(KEYS.ctrlUp, KEYS.up, KEYS.up, 'r', 'noon ');
    await until(() => t.frame().includes('replying to bob: lunch at noon?'), 'the reply begun');
    t.emit('event', ev(OPEN, 4, BOB, null, rel('delete', 1)));
    await until(() => t.frame().includes('the message you were replying to was deleted'), 'the status line saying so');
    expect(t.frame()).not.toContain('replying to bob');
    await t.press('works', KEYS.enter);
    await until(() => t.relations().length === 1, 'the text sent');
    expect(t.relations()[0]?.[1]).toEqual({ clientMsgId: expect.any(String), body: 'noon works' });
    await t.press(KEYS.ctrlUp, KEYS.up, 'e', '!');
    await until(() => t.frame().includes('editing your message') && composerOf(t.frame()).includes('helo wrold!'), 'the edit begun');
    t.emit('event', ev(OPEN, 5, ME, null, rel('delete', 2)));
    await until(() => t.frame().includes('the message you were editing was deleted'), 'the status line saying so');
    expect(t.frame()).not.toContain('editing your message');
    expect(composerOf(t.frame())).toContain('helo wrold!');
    await t.press(KEYS.enter);
    await until(() => t.relations().length === 2, 'the text sent');
    expect(t.relations()[1]?.[1]).toEqual({ clientMsgId: expect.any(String), body: 'helo wrold!' });
    t.app.unmount();
  });

  // A kept edit came back over a newer edit made elsewhere with no word, and Enter overwrote it.
  it('says so when a kept edit comes back to a message edited since; one not edited since comes back without a word', async () => {
    const events = { [OPEN.id]: [ev(OPEN, 1, ME, 'helo wrold'), ev(OPEN, 2, ME, 'hello world, said elsewhere', rel('edit', 1)), ev(OPEN, 3, ME, 'second'), ev(OPEN, 4, BOB, 'after')] };
    const book = DraftBook.inMemory();
    book.setTarget(OPEN.id, { kind: 'edit', eventId: idOf(1), seq: 1, text: 'helo world', cursor: 10, from: 'helo wrold' });
    const t = setup([OPEN], events, new Map(), undefined, book);
    await until(() => t.frame().includes('editing your message'), 'the edit back');
    await until(() => t.frame().includes('the message you were editing was edited since'), 'the status line saying so');
    expect(composerOf(t.frame())).toContain('helo world');
    t.app.unmount();
    const same = DraftBook.inMemory();
    same.setTarget(OPEN.id, { kind: 'edit', eventId: idOf(3), seq: 3, text: 'second!', cursor: 7, from: 'second' });
    const u = setup([OPEN], events, new Map(), undefined, same);
    await until(() => u.frame().includes('editing your message') && u.frame().includes('bob: after'), 'the edit back');
    expect(u.frame()).not.toContain('edited since');
    u.app.unmount();
  });

  it('keeps what an edit began from with the draft, and reads a kept edit without it (a file written before)', async () => {
    const events = { [OPEN.id]: [ev(OPEN, 1, ME, 'helo wrold'), ev(OPEN, 2, BOB, 'after')] };
    const book = DraftBook.inMemory();
    const t = setup([OPEN], events, new Map(), undefined, book);
    await until(() => t.frame().includes('bob: after'), 'the history');
    await t.press(KEYS.ctrlUp, KEYS.up, 'e', '!');
    await until(() => t.frame().includes('editing your message'), 'the edit begun');
    expect(book.target(OPEN.id)).toMatchObject({ kind: 'edit', text: 'helo wrold!', from: 'helo wrold' });
    t.app.unmount();
    const files = memoryDrafts();
    files.disk.text = JSON.stringify({ version: 1, drafts: { [OPEN.id]: { text: '', cursor: 0, savedAt: Date.now(), target: { kind: 'edit', eventId: idOf(1), seq: 1, text: 'old file', cursor: 8 } } } });
    expect((await files.open()).target(OPEN.id)).toEqual({ kind: 'edit', eventId: idOf(1), seq: 1, text: 'old file', cursor: 8 });
  });
});

// After a restart the TUI opened the first room of the list, not the one the user left.
describe('the room shown last', () => {
  it('opens again after a restart (kept with the drafts), and the first room when the last one is no longer there', async () => {
    const events = { [OPEN.id]: [ev(OPEN, 1, BOB, 'in general')], [OTHER.id]: [ev(OTHER, 1, BOB, 'plans here')] };
    const files = memoryDrafts();
    const book = await files.open();
    const t = setup([OPEN, OTHER], events, new Map(), undefined, book);
    await until(() => t.frame().includes('bob: in general'), 'the first room');
    await t.press(KEYS.ctrlN);
    await until(() => t.frame().includes('bob: plans here'), 'the other room');
    await t.press(KEYS.ctrlC);
    t.app.unmount();
    await book.flush();
    const again = setup([OPEN, OTHER], events, new Map(), undefined, await files.open());
    await until(() => again.frame().includes('bob: plans here'), 'the room left, after a restart');
    again.app.unmount();
    const gone = setup([OPEN], events, new Map(), undefined, await files.open());
    await until(() => gone.frame().includes('bob: in general'), 'the first room, the last one being gone');
    gone.app.unmount();
  });
});

describe('slash commands while the newest message is still being sent', () => {
  it('/edit, /react, /reply and /delete do not act on an older message in place of the one being sent, and say to wait', async () => {
    const t = setup([OPEN], { [OPEN.id]: [ev(OPEN, 1, BOB, 'one'), ev(OPEN, 2, ME, 'two')] });
    await until(() => t.frame().includes('alice: two'), 'the history');
    // The server does not answer: what is typed stays pending.
    vi.mocked(t.live.send).mockImplementation(() => new Promise(() => {}));
    await t.press('alpha offline', KEYS.enter);
    await until(() => t.frame().includes('alpha offline'), 'the pending message');
    for (const command of ['/edit alpha corrected', '/react 🎉', '/reply hi', '/delete']) {
      await t.press(command, KEYS.enter);
      await until(() => t.frame().includes('still being sent'), `the note for ${command}`);
      // The refused command is left in the composer, to send once the message is (Ctrl+U erases it here).
      await until(() => t.frame().includes(`${command} `), `${command} kept in the composer`);
      await t.press('\u0015');
    }
    expect(t.relations().filter(([, p]) => 'relatesTo' in p)).toEqual([]);
    expect(t.frame()).not.toContain('for everyone? y/n');
    expect(vi.mocked(t.api.deleteMessage)).not.toHaveBeenCalled();
    t.app.unmount();
  });
});

describe('read state and mentions', () => {
  it('moves the server read marker when the room is viewed, and clears another room\'s badge when it is read on another device', async () => {
    const t = setup([OPEN, OTHER], {
      [OPEN.id]: [ev(OPEN, 1, BOB, 'hello'), ev(OPEN, 2, BOB, 'there')],
      [OTHER.id]: [ev(OTHER, 1, BOB, 'hi @alice'), ev(OTHER, 2, BOB, 'plain'), ev(OTHER, 3, BOB, '@alice again, not `@alice`')],
    });
    await until(() => t.frame().includes('bob: there'), 'the history');
    await until(() => vi.mocked(t.api.setReadMarker).mock.calls.length > 0, 'the read marker');
    expect(vi.mocked(t.api.setReadMarker)).toHaveBeenCalledWith(OPEN.id, 2);
    expect(vi.mocked(t.api.setReadMarker)).not.toHaveBeenCalledWith(OTHER.id, expect.anything());
    await until(() => /# plans 3 @2/.test(t.frame()), 'the unread and mention counts');
    t.emit('read', { roomId: OTHER.id, seq: 3 });
    await until(() => /# plans\s/.test(t.frame()) && !t.frame().includes('@2'), 'the badge cleared');
    t.app.unmount();
  });
});
