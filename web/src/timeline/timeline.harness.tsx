// A page for the timeline's browser test (timeline.test.ts) and the render bench
// (bench/web-timeline-render.ts): the web client's Timeline with N made-up messages of varied
// length (one to many lines), in real Chromium. The messages are indexed with the search engine of
// the private rooms, so a test can jump to a message it searched for.
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import type { Root } from 'react-dom/client';
import type { Opened } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { MessageIndex } from '../../../shared/search/index.js';
import { Timeline } from '../components/timeline.js';

const ROOM = '00000000-0000-4000-8000-0000000000aa';
const WORDS = 'deploy release notes friday staging coffee lunch review merge branch tests green red build docs meeting'.split(' ');
const NO_OPENED: ReadonlyMap<string, Opened> = new Map();
const ME = { id: '00000000-0000-4000-8000-0000000000ff', username: 'you' };

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Message `i`: a few words, every 7th two lines, every 13th a long paragraph that wraps; #n marks it. */
function textOf(i: number): string {
  const words = Array.from({ length: 3 + (i % 9) }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ');
  if (i % 13 === 0) return `#${i} ${words} ${'and a long line that wraps across the width of the timeline '.repeat(4)}`;
  if (i % 7 === 0) return `#${i} ${words}\nsecond line of #${i}`;
  return `#${i} ${words}`;
}

function eventsOf(count: number): RoomEvent[] {
  const start = Date.UTC(2026, 10, 1);
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    return {
      id: uuid(i),
      roomId: ROOM,
      seq: i,
      kind: 'message',
      sender: { id: uuid(1_000_000 + (i % 5)), username: ['alice', 'bob', 'carol', 'dave', 'erin'][i % 5] as string },
      body: textOf(i),
      envelope: null,
      target: null,
      clientMsgId: uuid(2_000_000 + i),
      createdAt: new Date(start + i * 60_000).toISOString(),
    };
  });
}

let root: Root | null = null;
let events: RoomEvent[] = [];
let index = MessageIndex.empty();

function draw(jumpTo: string | null, onJumped?: (id: string) => void): void {
  flushSync(() => root?.render(<Timeline events={events} opened={NO_OPENED} me="you" user={ME} newAfterSeq={null} more={false} onOlder={() => Promise.resolve()} jumpTo={jumpTo} {...(onJumped ? { onJumped } : {})} />));
}

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

const harness = {
  /**
   * Renders a timeline of `count` messages and resolves, in ms, with the time from the render call
   * until the browser has painted it (two animation frames after the commit).
   */
  async render(count: number): Promise<number> {
    root?.unmount();
    events = eventsOf(count);
    index = MessageIndex.empty();
    for (const e of events) index.add({ id: e.id, roomId: ROOM, roomName: 'long', seq: e.seq, senderId: e.sender.id, sender: e.sender.username, createdAt: e.createdAt, text: e.body ?? '' });
    const el = document.getElementById('root') as HTMLElement;
    const t0 = performance.now();
    root = createRoot(el);
    draw(null);
    await frame();
    await frame();
    return performance.now() - t0;
  },
  /** Adds one message at the end (as a live one arrives). */
  async append(text: string): Promise<void> {
    const seq = events.length + 1;
    const last = events.at(-1) as RoomEvent;
    events = [...events, { ...last, id: uuid(seq), seq, body: text, clientMsgId: uuid(2_000_000 + seq), createdAt: new Date(Date.parse(last.createdAt) + 60_000).toISOString() }];
    draw(null);
    await frame();
    await frame();
  },
  /** The id of the best hit for `query`, searched as private rooms are (shared/search). */
  search(query: string): string | null {
    return index.search(query)[0]?.eventId ?? null;
  },
  /** Jumps to an event and resolves once the timeline says it is in view. */
  jump(eventId: string): Promise<void> {
    return new Promise((resolve) => draw(eventId, () => resolve()));
  },
};

Object.assign(window, { timelineHarness: harness });
