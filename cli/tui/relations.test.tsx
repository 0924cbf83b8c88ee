import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, E2ESession, LiveClient, Opened } from '../../shared/client/index.js';
import type { Envelope, Relation, Room, RoomEvent, SearchHit } from '../../shared/protocol/index.js';
import { App } from './app.js';

/** Polls until the condition holds: rendering is asynchronous. */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const OPEN: Room = { id: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d', name: 'general', topic: '', visibility: 'open', headSeq: 9, memberCount: 3, createdAt: '2026-11-25T10:00:00.000Z', role: 'member' };
const PRIVATE: Room = { ...OPEN, name: 'secret', visibility: 'private' };
const ME = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };
const BOB = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob' };
const CAROL = { id: '00000000-0000-4000-8000-00000000000c', username: 'carol' };

const idOf = (n: number) => `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;

/** A message event of `room` at seq `n`: open rooms carry `body`, private ones an envelope (opened through the fake). */
function ev(room: Room, n: number, sender: { id: string; username: string }, body: string | null, relation?: Relation): RoomEvent {
  const envelope = room.visibility === 'private' && relation?.type !== 'delete' ? ({ roomId: room.id, senderUser: sender.id } as Envelope) : null;
  return {
    id: idOf(n), roomId: room.id, seq: n, kind: 'message', sender, body: envelope ? null : body, envelope, target: null, clientMsgId: null,
    createdAt: new Date().toISOString(), ...(relation ? { relation } : {}),
  };
}
const rel = (type: string, n: number): Relation => ({ type, eventId: idOf(n), seq: n });

/**
 * The app over fakes: `events` is the room's history; private events open to `bodies` (by seq);
 * `hits` is what /search finds. `emit` delivers a live socket event.
 */
function app(room: Room, events: RoomEvent[], bodies: Map<number, string> = new Map(), hits: SearchHit[] = []) {
  const listeners = new Map<string, ((p: unknown) => void)[]>();
  const live = {
    state: { status: 'connected' },
    on: (name: string, fn: (p: unknown) => void) => {
      listeners.set(name, [...(listeners.get(name) ?? []), fn]);
      return () => {};
    },
    start: vi.fn(), stop: vi.fn(), watch: vi.fn(), typing: vi.fn(),
  } as unknown as LiveClient;
  const api = { rooms: async () => [room], history: async () => ({ events, headSeq: events.length, hasMore: false }), members: async () => [] } as unknown as ApiClient;
  const open = async (e: RoomEvent): Promise<Opened> => {
    const body = bodies.get(e.seq);
    return body === undefined ? { status: 'not_shared' } : { status: 'ok', body, sentAt: 0 };
  };
  const e2e = { sync: async () => {}, open } as unknown as E2ESession;
  const deps = {
    api, live, e2e,
    session: { user: ME, deviceId: ME.id, accessToken: '', accessExpiresAt: '', refreshToken: '' },
    readPositions: {}, saveReadPosition: vi.fn(), now: () => Date.now(),
    search: vi.fn(async () => ({ hits, waiting: 0, waitingRooms: 0, device: null })), summarize: vi.fn(),
  };
  const emit = (name: string, payload: unknown) => listeners.get(name)?.forEach((fn) => fn(payload));
  return { ...render(<App deps={deps} server="s" env={{}} theme="dark" saveTheme={() => {}} />), emit };
}

const frameOf = (lastFrame: () => string | undefined) => lastFrame() ?? '';

describe('App timeline with relations', () => {
  it('shows an edited message once, with its latest text and "(edited)"', async () => {
    const { lastFrame } = app(OPEN, [ev(OPEN, 1, BOB, 'helo wrold'), ev(OPEN, 2, BOB, 'hello world', rel('edit', 1)), ev(OPEN, 3, CAROL, 'after')]);
    await until(() => frameOf(lastFrame).includes('carol: after'), 'the history');
    const frame = frameOf(lastFrame);
    expect(frame).toMatch(/bob: hello world \(edited\)/);
    expect(frame).not.toContain('helo wrold');
    expect(frame.split('hello world')).toHaveLength(2);
  });

  it('shows a deleted message as "message deleted", its text gone, and no empty line for the delete', async () => {
    const { lastFrame } = app(OPEN, [ev(OPEN, 1, BOB, 'oops a password'), ev(OPEN, 2, BOB, null, rel('delete', 1)), ev(OPEN, 3, CAROL, 'after')]);
    await until(() => frameOf(lastFrame).includes('carol: after'), 'the history');
    const frame = frameOf(lastFrame);
    expect(frame).not.toContain('password');
    expect(frame).toMatch(/bob: message deleted/);
    expect(frame.match(/bob:/g)).toHaveLength(1);
  });

  it('shows reactions as counts after the message, not as messages, and leaves out a withdrawn one', async () => {
    const { lastFrame } = app(OPEN, [
      ev(OPEN, 1, BOB, 'shipped'),
      ev(OPEN, 2, CAROL, '👍', rel('reaction', 1)),
      ev(OPEN, 3, ME, '👍', rel('reaction', 1)),
      ev(OPEN, 4, CAROL, '🎉', rel('reaction', 1)),
      ev(OPEN, 5, BOB, '😢', rel('reaction', 1)),
      ev(OPEN, 6, BOB, null, rel('delete', 5)),
      ev(OPEN, 7, CAROL, 'after'),
    ]);
    await until(() => frameOf(lastFrame).includes('carol: after'), 'the history');
    const frame = frameOf(lastFrame);
    expect(frame).toMatch(/👍 2\* {2}🎉 1/); // the "*": alice (this user) gave one
    expect(frame).not.toContain('😢');
    expect(frame).not.toMatch(/carol: 👍|alice: 👍|carol: 🎉/);
    expect(frame.match(/bob:/g)).toHaveLength(1);
  });

  it('shows a one-line quote of the message a reply answers', async () => {
    const { lastFrame } = app(OPEN, [ev(OPEN, 1, BOB, 'lunch at noon?\nor later'), ev(OPEN, 2, CAROL, 'noon works', rel('reply', 1))]);
    await until(() => frameOf(lastFrame).includes('carol: noon works'), 'the history');
    const lines = frameOf(lastFrame).split('\n');
    const at = lines.findIndex((l) => l.includes('carol: noon works'));
    expect(lines[at - 1]).toMatch(/┌ bob: lunch at noon\? or later/);
  });

  it('shows a bare CR in a quote as ^M, as message lines do, not as a space', async () => {
    const { lastFrame } = app(OPEN, [ev(OPEN, 1, BOB, 'pay bob\rpay eve'), ev(OPEN, 2, CAROL, 'done', rel('reply', 1))]);
    await until(() => frameOf(lastFrame).includes('carol: done'), 'the history');
    const lines = frameOf(lastFrame).split('\n');
    expect(lines[lines.findIndex((l) => l.includes('carol: done')) - 1]).toContain('┌ bob: pay bob^Mpay eve');
  });

  it('takes the text out of a reply\'s quote when the quoted message is deleted live, in a private room too', async () => {
    for (const room of [OPEN, PRIVATE]) {
      const { lastFrame, emit, unmount } = app(room, [ev(room, 1, BOB, 'the secret code 1234'), ev(room, 2, CAROL, 'got it', rel('reply', 1))], new Map([[1, 'the secret code 1234'], [2, 'got it']]));
      await until(() => frameOf(lastFrame).includes('1234') && frameOf(lastFrame).includes('carol: got it'), 'the history');
      emit('event', ev(room, 3, BOB, null, rel('delete', 1)));
      await until(() => !frameOf(lastFrame).includes('1234'), 'the text to go');
      const lines = frameOf(lastFrame).split('\n');
      expect(lines[lines.findIndex((l) => l.includes('carol: got it')) - 1]).toMatch(/┌ bob: message deleted/);
      unmount();
    }
  });

  it('in a private room, applies the decrypted edit, the delete and reactions', async () => {
    const events = [
      ev(PRIVATE, 1, BOB, null),
      ev(PRIVATE, 2, BOB, null, rel('edit', 1)),
      ev(PRIVATE, 3, BOB, null),
      ev(PRIVATE, 4, BOB, null, rel('delete', 3)),
      ev(PRIVATE, 5, CAROL, null, rel('reaction', 1)),
      ev(PRIVATE, 6, CAROL, null),
    ];
    const bodies = new Map([[1, 'first draft'], [2, 'final text'], [3, 'the secret code 1234'], [5, '👍'], [6, 'after']]);
    const { lastFrame } = app(PRIVATE, events, bodies);
    await until(() => frameOf(lastFrame).includes('carol: after'), 'the history');
    const frame = frameOf(lastFrame);
    expect(frame).toMatch(/bob: final text \(edited\)/);
    expect(frame).not.toContain('first draft');
    expect(frame).not.toContain('1234');
    expect(frame).toMatch(/bob: message deleted/);
    expect(frame).toMatch(/👍 1/);
    expect(frame).not.toContain('carol: 👍');
  });

  it('takes a message text off the screen when its delete comes live, in a private room too', async () => {
    for (const room of [OPEN, PRIVATE]) {
      const { lastFrame, emit, unmount } = app(room, [ev(room, 1, BOB, 'the secret code 1234'), ev(room, 2, CAROL, 'after')], new Map([[1, 'the secret code 1234'], [2, 'after']]));
      await until(() => frameOf(lastFrame).includes('1234') && frameOf(lastFrame).includes('carol: after'), 'the history');
      emit('event', ev(room, 3, BOB, null, rel('delete', 1)));
      await until(() => !frameOf(lastFrame).includes('1234'), 'the text to go');
      expect(frameOf(lastFrame)).toMatch(/bob: message deleted/);
      expect(frameOf(lastFrame).match(/bob:/g)).toHaveLength(1);
      unmount();
    }
  });

  it('jumps from a search result to the message showing its latest text, as the result does', async () => {
    const hit: SearchHit = {
      roomId: OPEN.id, roomName: 'general', eventId: idOf(1), seq: 1, sender: { id: BOB.id, username: 'bob' },
      createdAt: new Date().toISOString(), score: 1, snippet: { text: 'hello world', highlights: [[0, 5]] },
    };
    const { stdin, lastFrame } = app(OPEN, [ev(OPEN, 1, BOB, 'helo wrold'), ev(OPEN, 2, BOB, 'hello world', rel('edit', 1)), ev(OPEN, 3, CAROL, 'after')], new Map(), [hit]);
    await until(() => frameOf(lastFrame).includes('carol: after'), 'the history');
    stdin.write('/search hello');
    await until(() => frameOf(lastFrame).includes('/search hello'), 'the search text');
    stdin.write('\r');
    await until(() => frameOf(lastFrame).includes('1 result'), 'the results panel');
    stdin.write('\r');
    await until(() => frameOf(lastFrame).includes('▶'), 'the jumped-to message');
    expect(frameOf(lastFrame)).toMatch(/▶ \d\d:\d\d bob: hello world \(edited\)/);
    expect(frameOf(lastFrame)).not.toContain('helo wrold');
  });
});
