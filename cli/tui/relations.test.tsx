import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, E2ESession, LiveClient, Opened } from '../../shared/client/index.js';
import type { Envelope, Relation, Room, RoomEvent } from '../../shared/protocol/index.js';
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

/** The app over fakes: `events` is the room's history; private events open to `bodies` (by seq). */
function app(room: Room, events: RoomEvent[], bodies: Map<number, string> = new Map()) {
  const live = { state: { status: 'connected' }, on: () => () => {}, start: vi.fn(), stop: vi.fn(), watch: vi.fn(), typing: vi.fn() } as unknown as LiveClient;
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
    search: vi.fn(), summarize: vi.fn(),
  };
  return render(<App deps={deps} server="s" env={{}} theme="dark" saveTheme={() => {}} />);
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
});
