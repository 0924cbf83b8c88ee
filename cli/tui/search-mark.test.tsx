import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, E2ESession, LiveClient } from '../../shared/client/index.js';
import type { Room, SearchHit } from '../../shared/protocol/index.js';
import { App } from './app.js';

// The words a search matched, marked in the timeline row a jump lands on. Marks are styles only, so
// this file has Ink write its colours (the other app tests read frames without them).
vi.hoisted(() => {
  vi.stubEnv('FORCE_COLOR', '1');
});

/** Polls until the condition holds: rendering is asynchronous, and slower on a loaded machine. */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ROOM: Room = { id: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d', name: 'general', topic: 'all', visibility: 'open', headSeq: 2, memberCount: 2, createdAt: '2026-11-25T10:00:00.000Z', role: 'member' };
const ME = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };
const event = (seq: number, body: string) => ({
  id: `00000000-0000-4000-8000-00000000000${seq}`, roomId: ROOM.id, seq, kind: 'message', sender: { id: 'b', username: 'bob' }, body, envelope: null, target: null, clientMsgId: null, createdAt: new Date().toISOString(),
});
const HIT: SearchHit = {
  roomId: ROOM.id, roomName: 'general', eventId: event(1, '').id, seq: 1, sender: { id: 'b', username: 'bob' },
  createdAt: new Date().toISOString(), score: 1, snippet: { text: 'the deploy plan is ready, deploying at noon', highlights: [[4, 10], [26, 35]] },
};

function setup() {
  const live = { state: { status: 'connected' }, on: () => () => {}, start: vi.fn(), stop: vi.fn(), watch: vi.fn(), unwatch: vi.fn(), typing: vi.fn(), send: vi.fn() } as unknown as LiveClient;
  const api = {
    rooms: async () => [ROOM],
    history: async () => ({ events: [event(1, 'the deploy plan is ready, deploying at noon'), event(2, 'a deploy of its own')], headSeq: 2, hasMore: false }),
    members: async () => [],
  } as unknown as ApiClient;
  const deps = {
    api, live, e2e: { sync: async () => {} } as unknown as E2ESession,
    session: { user: ME, deviceId: ME.id, accessToken: '', accessExpiresAt: '', refreshToken: '' },
    readPositions: {}, saveReadPosition: vi.fn(), now: () => Date.now(),
    search: vi.fn(async () => ({ hits: [HIT], waiting: 0, waitingRooms: 0, device: null })), summarize: vi.fn(),
  };
  return render(<App deps={deps} server="s" env={{}} theme="dark" saveTheme={() => {}} />);
}

/** The texts drawn inverse (the mark) on a row of the frame. */
const inverse = (line: string) => [...line.matchAll(/\u001b\[7m((?:[^\u001b]|\u001b\[(?!27m)[\d;]*m)*)\u001b\[27m/g)].map((m) => (m[1] ?? '').replace(/\u001b\[[\d;]*m/g, ''));
/** The frame without its colours. */
const plain = (frame: string) => frame.replace(/\u001b\[[\d;]*m/g, '');

describe('a search jump', () => {
  // After a jump the matched words were marked in the panel's snippet only, not in the row the jump landed on.
  it('marks the matched words in the timeline row it lands on, as the snippet marks them, until the selection moves', async () => {
    const { stdin, lastFrame } = setup();
    const frame = () => lastFrame() ?? '';
    const row = () => frame().split('\n').find((l) => plain(l).includes('plan is ready')) ?? '';
    await until(() => plain(frame()).includes('bob: a deploy of its own'), 'the history');
    expect(inverse(row())).toEqual([]);
    stdin.write('/search deploy');
    await until(() => plain(frame()).includes('/search deploy'), 'the search text');
    stdin.write('\r');
    await until(() => plain(frame()).includes('1 result'), 'the results panel');
    stdin.write('\r');
    await until(() => !plain(frame()).includes('1 result') && plain(frame()).includes('▶'), 'the jump');
    await until(() => inverse(row()).length > 0, 'the matched words marked in the row');
    // "deploy" and "deploying" (a stem), as the snippet marks them; the other message's "deploy" is not the hit.
    expect(inverse(row())).toEqual(['deploy', 'deploying']);
    expect(inverse(frame().split('\n').find((l) => plain(l).includes('of its own')) ?? '')).toEqual([]);
    // The selection moves on: the marks go.
    stdin.write('\u001b[B');
    await until(() => (frame().split('\n').find((l) => l.includes('▶')) ?? '').includes('of its own'), 'the selection moved');
    await until(() => inverse(row()).length === 0, 'the marks gone');
  });
});
