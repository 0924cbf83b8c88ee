import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient, E2ESession, LiveClient } from '../../shared/client/index.js';
import type { Room, RoomEvent } from '../../shared/protocol/index.js';
import { App } from './app.js';
import type * as MarkdownSpans from './state/markdown-spans.js';

/** Every message laid out goes through markdownLines once: counting its calls counts the rows laid out. */
const work = vi.hoisted(() => ({ laidOut: 0 }));
vi.mock('./state/markdown-spans.js', async (importOriginal) => {
  const real = await importOriginal<typeof MarkdownSpans>();
  return {
    ...real,
    markdownLines: (...args: Parameters<typeof real.markdownLines>) => {
      work.laidOut += 1;
      return real.markdownLines(...args);
    },
  };
});

/** Polls until the condition holds: rendering is asynchronous, and slower on a loaded machine. */
async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ROOM: Room = { id: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d', name: 'general', topic: '', visibility: 'open', headSeq: 1000, memberCount: 2, createdAt: '2026-11-25T10:00:00.000Z', role: 'member' };
const ME = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice' };
const HISTORY: RoomEvent[] = Array.from({ length: 1000 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, roomId: ROOM.id, seq: i + 1, kind: 'message', sender: { id: 'b', username: 'bob' },
  body: `message ${i + 1}`, envelope: null, target: null, clientMsgId: null, createdAt: new Date(Date.now() - (1000 - i) * 1000).toISOString(),
}));

describe('the timeline of a long history', () => {
  it('lays out the rows near the bottom when 1,000 messages load, not all of them, and the older ones as it scrolls up', async () => {
    const api = { rooms: async () => [ROOM], history: async () => ({ events: HISTORY, headSeq: 1000, hasMore: false }), members: async () => [] } as unknown as ApiClient;
    const live = { state: { status: 'connected' }, on: () => () => {}, start: () => {}, stop: () => {}, watch: () => {}, typing: () => {} } as unknown as LiveClient;
    const deps = {
      api, live, e2e: { sync: async () => {} } as unknown as E2ESession,
      session: { user: ME, deviceId: ME.id, accessToken: '', accessExpiresAt: '', refreshToken: '' },
      readPositions: {}, saveReadPosition: () => {}, now: () => Date.now(),
      search: async () => ({ hits: [], waiting: 0 }), summarize: async () => Promise.reject(new Error('not here')),
    };
    const { stdin, lastFrame, unmount } = render(<App deps={deps} server="s" env={{}} theme="dark" saveTheme={() => {}} />);
    await until(() => (lastFrame() ?? '').includes('bob: message 1000'), 'the newest message');
    // The screen is at most a few dozen rows: three screens of rows, far from the 1,000 loaded.
    expect(work.laidOut).toBeLessThan(200);
    expect(work.laidOut).toBeGreaterThan(0);
    // PgUp, screen by screen: older messages show, laid out as they come into reach.
    const before = work.laidOut;
    for (let i = 0; i < 20; i++) stdin.write('\u001b[5~');
    await until(() => /bob: message 9[0-4]\d\b/.test(lastFrame() ?? ''), 'older messages');
    expect(work.laidOut).toBeGreaterThan(before);
    unmount();
  });
});
