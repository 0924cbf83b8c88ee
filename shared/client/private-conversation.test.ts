import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../protocol/index.js';
import { summarize } from '../summarize/index.js';
import type { ApiClient } from './api-client.js';
import type { E2ESession } from './e2e-session.js';
import { privateConversation } from './private-conversation.js';
import { ALICE, BOB, fixtureEvent, ROOM } from '../../test/support/room-events.js';
import type { FixtureRelation } from '../../test/support/room-events.js';


/** A private-room event whose "envelope" a fake session opens to `text` (null: no envelope, as a delete or a deleted message has). */
function event(seq: number, text: string | null, sender = ALICE, relation?: FixtureRelation, redacted = false): RoomEvent {
  return fixtureEvent('envelope', seq, text, { sender, ...(relation ? { relation } : {}), redacted });
}

/** A fake API paging `events` newest first (`pageSize` a page), and a fake session opening each envelope to its text ("?" stays closed). */
function fakes(events: readonly RoomEvent[], pageSize = 500): { api: ApiClient; e2e: E2ESession; opened: RoomEvent[] } {
  const opened: RoomEvent[] = [];
  const api = {
    history: (_room: string, { before }: { before?: number }) => {
      const older = events.filter((e) => before === undefined || e.seq < before);
      const page = older.slice(-pageSize);
      return Promise.resolve({ events: page, hasMore: page.length < older.length });
    },
  } as unknown as ApiClient;
  const e2e = {
    openMany: (es: readonly RoomEvent[]) => {
      opened.push(...es);
      return Promise.resolve(
        es.map((e) => {
          const text = (e.envelope as unknown as { text: string }).text;
          return text === '?' ? { status: 'waiting' } : { status: 'ok', body: text };
        }),
      );
    },
  } as unknown as E2ESession;
  return { api, e2e, opened };
}

/** The tester's room: 9 messages, one deleted (8 live), 2 edited, 2 reactions. */
const history = [
  event(1, 'shall we plan the offsite'),
  event(2, 'the venue is the old zebra barn'),
  event(3, 'budget is ten thousand'),
  event(4, 'a secret walrus remark'),
  event(5, 'the venue is the lighthouse', ALICE, { type: 'edit', seq: 2 }),
  event(6, 'catering by the bakery'),
  event(7, '👍', BOB, { type: 'reaction', seq: 1 }),
  event(8, 'travel by train'),
  event(9, 'budget is twelve thousand', ALICE, { type: 'edit', seq: 3 }),
  event(10, 'dates in june'),
  event(11, '🎉', BOB, { type: 'reaction', seq: 6 }),
  event(12, 'agenda to follow'),
  event(13, null, ALICE, { type: 'delete', seq: 4 }),
];
history[3] = event(4, null, ALICE, undefined, true);

describe('privateConversation applies relations', () => {
  it('gives each live message once, with its latest text; edits, reactions and deletes are not messages', async () => {
    const { api, e2e } = fakes(history);
    const { lines, unread } = await privateConversation(api, e2e, ROOM, { limit: 500 });
    expect(lines.map((l) => l.text)).toEqual([
      'shall we plan the offsite',
      'the venue is the lighthouse',
      'budget is twelve thousand',
      'catering by the bakery',
      'travel by train',
      'dates in june',
      'agenda to follow',
    ]);
    expect(lines[1]?.at).toBe(history[1]?.createdAt);
    expect(unread).toBe(0);
    const all = lines.map((l) => l.text).join(' ');
    expect(all).not.toMatch(/zebra|walrus|ten thousand|👍|🎉/);
  });

  it('counts only live messages in the summary', async () => {
    const { api, e2e } = fakes([...history, event(14, 'bob agrees', BOB)]);
    const { lines } = await privateConversation(api, e2e, ROOM, { limit: 500 });
    const summary = await summarize(lines, 'general');
    expect(summary.text).toMatch(/^8 messages/);
    expect(summary.text).not.toMatch(/12 messages|edited/);
  });

  it('takes the newest `limit` live messages, applying edits to them and paging past relations', async () => {
    const { api, e2e } = fakes(history, 3);
    const { lines } = await privateConversation(api, e2e, ROOM, { limit: 5 });
    expect(lines.map((l) => l.text)).toEqual(['budget is twelve thousand', 'catering by the bakery', 'travel by train', 'dates in june', 'agenda to follow']);
  });

  it('counts a message whose text (or latest edit) did not open as unread, not as a line', async () => {
    const { api, e2e } = fakes([event(1, 'hello'), event(2, '?'), event(3, 'first draft'), event(4, '?', ALICE, { type: 'edit', seq: 3 })]);
    const { lines, unread } = await privateConversation(api, e2e, ROOM, { limit: 500 });
    expect(lines.map((l) => l.text)).toEqual(['hello']);
    expect(unread).toBe(2);
  });
});
