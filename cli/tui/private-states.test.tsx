import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient, E2ESession, LiveClient, Opened } from '../../shared/client/index.js';
import { KEY_RECHECK_MS, unopenedEditNotice } from '../../shared/client/index.js';
import type { Envelope, Room, RoomEvent } from '../../shared/protocol/index.js';
import { App } from './app.js';

/** Polls until the condition holds: rendering is asynchronous. */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ROOM: Room = { id: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d', name: 'secret', topic: '', visibility: 'private', headSeq: 4, memberCount: 2, createdAt: '2026-11-25T10:00:00.000Z', role: 'member' };
const ME = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };
const BOB = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob' };

function event(n: number): RoomEvent {
  const id = `00000000-0000-4000-8000-00000000000${n}`;
  const envelope = { roomId: ROOM.id, senderUser: BOB.id } as Envelope;
  return { id, roomId: ROOM.id, seq: n, kind: 'message', sender: BOB, body: null, envelope, target: null, clientMsgId: null, createdAt: new Date().toISOString() };
}

/** The app over fakes whose decryption gives, for each event id, the state in `states`. */
function app(states: Map<string, Opened>, events: RoomEvent[] = [1, 2, 3, 4].map(event)) {
  const live = { state: { status: 'connected' }, on: () => () => {}, start: vi.fn(), stop: vi.fn(), watch: vi.fn(), typing: vi.fn() } as unknown as LiveClient;
  const api = { rooms: async () => [ROOM], history: async () => ({ events, headSeq: events.length, hasMore: false }), members: async () => [] } as unknown as ApiClient;
  const e2e = { sync: async () => {}, open: async (e: RoomEvent) => states.get(e.id) } as unknown as E2ESession;
  const deps = {
    api, live, e2e,
    session: { user: ME, deviceId: ME.id, accessToken: '', accessExpiresAt: '', refreshToken: '' },
    readPositions: {}, saveReadPosition: vi.fn(), now: () => Date.now(),
    search: vi.fn(), summarize: vi.fn(),
  };
  return render(<App deps={deps} server="s" env={{}} theme="dark" saveTheme={() => {}} />);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('App with private messages that do not open', () => {
  it('shows a replayed copy, one from another room and a key that was not shared as notices, never as text', async () => {
    const states = new Map<string, Opened>([
      [event(1).id, { status: 'ok', body: 'the real one', sentAt: 0 }],
      [event(2).id, { status: 'replayed', firstEventId: event(1).id }],
      [event(3).id, { status: 'wrong_room', sentIn: '00000000-0000-4000-8000-0000000000ff' }],
      [event(4).id, { status: 'not_shared' }],
    ]);
    const { lastFrame } = app(states);
    await until(() => (lastFrame() ?? '').includes('never given the key'), 'the last message');
    const frame = (lastFrame() ?? '').replace(/\s+/g, ' '); // long lines wrap
    expect(frame.split('the real one')).toHaveLength(2);
    expect(frame).toContain('bob: [replayed message: a copy of one already shown]');
    expect(frame).toContain('bob: [replayed from another room: not shown here]');
    expect(frame).toContain('bob: [this device was never given the key]');
  });

  it('says an edit that did not open is not open yet, never showing the replaced text (as chat read and the web say)', async () => {
    const edit: RoomEvent = { ...event(2), relation: { type: 'edit', eventId: event(1).id, seq: 1 } };
    const states = new Map<string, Opened>([
      [event(1).id, { status: 'ok', body: 'meet at noon', sentAt: 0 }],
      [edit.id, { status: 'waiting' }],
    ]);
    const { lastFrame } = app(states, [event(1), edit]);
    await until(() => (lastFrame() ?? '').includes('not open yet'), 'the edited message');
    const frame = (lastFrame() ?? '').replace(/\s+/g, ' ');
    expect(frame).toContain(`bob: [${unopenedEditNotice({ edited: true, deleted: false, text: null }, true)}]`);
    expect(frame).not.toContain('meet at noon');
  });

  it('looks again at a message waiting for its key, so it comes to say the key was not shared', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const states = new Map<string, Opened>([1, 2, 3, 4].map((n) => [event(n).id, { status: 'waiting' }]));
    const { lastFrame } = app(states);
    await until(() => (lastFrame() ?? '').split('[waiting for the key from the sender]').length === 5, 'the waiting messages');
    for (const n of [1, 2, 3, 4]) states.set(event(n).id, { status: 'not_shared' });
    vi.advanceTimersByTime(KEY_RECHECK_MS);
    await until(() => (lastFrame() ?? '').split('[this device was never given the key]').length === 5, 'the notices');
  });
});
