import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, E2ESession, LiveClient } from '../../shared/client/index.js';
import type { Room } from '../../shared/protocol/index.js';
import { App } from './app.js';

const settle = () => new Promise((r) => setTimeout(r, 40));
/** Polls until the condition holds: rendering is asynchronous, and slower on a loaded machine. */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const ROOM: Room = { id: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d', name: 'general', topic: 'all', visibility: 'open', headSeq: 1, memberCount: 2, createdAt: '2026-11-25T10:00:00.000Z', role: 'member' };
const ME = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };

/** The app over fakes of the client library: no server, no sockets. */
function fakeDeps() {
  const listeners = new Map<string, ((p: unknown) => void)[]>();
  const live = {
    state: { status: 'connected' },
    on: (event: string, fn: (p: unknown) => void) => {
      listeners.set(event, [...(listeners.get(event) ?? []), fn]);
      return () => {};
    },
    start: vi.fn(),
    stop: vi.fn(),
    watch: vi.fn(),
    typing: vi.fn(),
    send: vi.fn(async () => ({ type: 'ack', seq: 2 })),
  } as unknown as LiveClient;
  const api = {
    rooms: async () => [ROOM],
    history: async () => ({
      events: [{ id: '00000000-0000-4000-8000-000000000001', roomId: ROOM.id, seq: 1, kind: 'message', sender: { id: 'b', username: 'bob' }, body: 'welcome', envelope: null, target: null, clientMsgId: null, createdAt: new Date().toISOString() }],
      headSeq: 1,
      hasMore: false,
    }),
    members: async () => [],
  } as unknown as ApiClient;
  const e2e = { sync: async () => {}, open: async () => ({ status: 'waiting' }) } as unknown as E2ESession;
  const emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((fn) => fn(payload));
  return {
    live,
    emit,
    deps: { api, live, e2e, session: { user: ME, deviceId: ME.id, accessToken: '', accessExpiresAt: '', refreshToken: '' }, readPositions: {}, saveReadPosition: vi.fn(), now: () => Date.now() },
  };
}

describe('App', () => {
  it('shows the room and its history, sends what is typed, and switches the theme with /theme', async () => {
    const { deps, live } = fakeDeps();
    const saveTheme = vi.fn();
    const { stdin, lastFrame } = render(<App deps={deps} server="http://localhost:8787" env={{}} theme="dark" saveTheme={saveTheme} />);
    await until(() => (lastFrame() ?? '').includes('bob: welcome'), 'the history');
    expect(lastFrame()).toContain('#general');
    stdin.write('hello bob');
    await until(() => (lastFrame() ?? '').includes('hello bob'), 'the typed text');
    stdin.write('\r');
    await until(() => vi.mocked(live.send).mock.calls.length > 0, 'the send');
    expect(live.send).toHaveBeenCalledWith(ROOM.id, 'hello bob', expect.any(String));
    await settle();
    stdin.write('/theme light');
    await until(() => (lastFrame() ?? '').includes('/theme light'), 'the command text');
    stdin.write('\r');
    await until(() => (lastFrame() ?? '').includes('theme: light'), 'the theme note');
    expect(saveTheme).toHaveBeenCalledWith('light');
    await settle();
    stdin.write('/search deploy');
    await until(() => (lastFrame() ?? '').includes('/search deploy'), 'the search text');
    stdin.write('\r');
    await until(() => (lastFrame() ?? '').includes('/search is not available yet'), 'the search answer');
  });

  it('shows who is typing and live messages', async () => {
    const { deps, emit } = fakeDeps();
    const { lastFrame } = render(<App deps={deps} server="s" env={{}} theme="system" saveTheme={() => {}} />);
    await until(() => (lastFrame() ?? '').includes('bob: welcome'), 'the history');
    emit('typing', { type: 'typing', roomId: ROOM.id, user: { id: 'b', username: 'bob' }, state: 'start', ttlMs: 6000 });
    await until(() => (lastFrame() ?? '').includes('bob is typing…'), 'the typing line');
    emit('event', { id: '00000000-0000-4000-8000-000000000002', roomId: ROOM.id, seq: 2, kind: 'message', sender: { id: 'b', username: 'bob' }, body: 'live one', envelope: null, target: null, clientMsgId: null, createdAt: new Date().toISOString() });
    await until(() => (lastFrame() ?? '').includes('bob: live one'), 'the live message');
    expect(lastFrame()).not.toContain('bob is typing…');
  });
});
