import { describe, expect, it } from 'vitest';
import type { RoomEvent } from '../../shared/protocol/index.js';
import { MemoryCache } from '../cache/memory-cache.js';
import type { Store } from '../store/store.js';
import type { RoomService } from './room-service.js';
import { SummaryService } from './summary-service.js';
import { ALICE, BOB, fixtureEvent, ROOM } from '../../test/support/room-events.js';
import type { FixtureRelation } from '../../test/support/room-events.js';


/** An open-room event as the store keeps it (a deleted message, its edits and a delete have no body). */
function event(seq: number, text: string | null, sender = ALICE, relation?: FixtureRelation, redacted = false): RoomEvent {
  return fixtureEvent('body', seq, text, { sender, ...(relation ? { relation } : {}), redacted });
}

/** The tester's room, open: 9 messages, one deleted after an edit (8 live), 2 edited, 2 reactions. */
const history = [
  event(1, 'shall we plan the offsite'),
  event(2, 'the venue is the old zebra barn'),
  event(3, 'budget is ten thousand'),
  event(4, null, ALICE, undefined, true),
  event(5, 'the venue is the lighthouse', ALICE, { type: 'edit', seq: 2 }),
  event(6, 'catering by the bakery'),
  event(7, '👍', BOB, { type: 'reaction', seq: 1 }),
  event(8, 'travel by train'),
  event(9, 'budget is twelve thousand', ALICE, { type: 'edit', seq: 3 }),
  event(10, null, ALICE, { type: 'edit', seq: 4 }, true),
  event(11, '🎉', BOB, { type: 'reaction', seq: 6 }),
  event(12, 'dates in june'),
  event(13, null, ALICE, { type: 'delete', seq: 4 }),
  event(14, 'bob agrees', BOB),
  event(15, 'agenda to follow'),
];

function service(pageEvents = history): SummaryService {
  const store = {
    headSeq: () => Promise.resolve(pageEvents.length),
    listEvents: (_room: string, range: { beforeSeq?: number; limit: number }) =>
      Promise.resolve(pageEvents.filter((e) => range.beforeSeq === undefined || e.seq < range.beforeSeq).slice(-range.limit)),
  } as unknown as Store;
  const rooms = {
    resolve: () => Promise.resolve({ id: ROOM, name: 'plans', visibility: 'open' }),
    requireMember: () => Promise.resolve({}),
  } as unknown as RoomService;
  return new SummaryService({ store, cache: new MemoryCache(), rooms });
}

describe('open-room summaries apply relations', () => {
  // Verified, not fixed: the server already skipped relations (this guards it).
  it('counts only live messages, each with its latest text; edits, reactions and deletes are not messages', async () => {
    const general = await service().summarize(ALICE.id, 'plans', { type: 'general', limit: 500 });
    expect(general.text).toMatch(/^8 messages/);
    expect(general.participants.map((p) => [p.username, p.messages])).toEqual([
      ['alice', 7],
      ['bob', 1],
    ]);
    const detailed = await service().summarize(ALICE.id, 'plans', { type: 'detailed', limit: 500 });
    expect(detailed.range.messages).toBe(8);
    expect(JSON.stringify(detailed)).not.toMatch(/zebra|ten thousand|👍|🎉|\bedited\b/);
  });
});

describe('open-room summaries quote long messages in part', () => {
  const long = `the plan for the offsite ${'with many more words about the venue and the food '.repeat(12)}and that is all`;
  const room = [event(1, 'shall we plan the offsite'), event(2, long, BOB), event(3, 'the offsite venue is the lighthouse')];

  it("cuts a long message's quote to the reader's columns with an ellipsis (100 without them), each width cached apart", async () => {
    const summaries = service(room);
    const narrow = await summaries.summarize(ALICE.id, 'plans', { type: 'bullets', limit: 500, columns: 60 });
    const bullet = narrow.text.split('\n').find((l) => l.startsWith('• bob: '));
    expect(bullet).toMatch(/^• bob: the plan for the offsite with many .*…$/);
    expect(bullet?.length).toBeLessThanOrEqual(60);
    const plain = await summaries.summarize(ALICE.id, 'plans', { type: 'bullets', limit: 500 });
    const wide = plain.text.split('\n').find((l) => l.startsWith('• bob: '));
    expect(wide?.length).toBeLessThanOrEqual(100);
    expect(wide?.length).toBeGreaterThan(60);
    // The analysis is unchanged: a participant's main point is the sentence whole.
    expect(plain.participants.find((p) => p.username === 'bob')?.mainPoints).toEqual([long]);
  });
});
