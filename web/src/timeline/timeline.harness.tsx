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

/** Message `i` (its seq), from one of five others, a minute after message `i - 1`, saying `body` (default {@link textOf}). */
function messageOf(i: number, body = textOf(i)): RoomEvent {
  return {
    id: uuid(i),
    roomId: ROOM,
    seq: i,
    kind: 'message',
    sender: { id: uuid(1_000_000 + (i % 5)), username: ['alice', 'bob', 'carol', 'dave', 'erin'][i % 5] as string },
    body,
    envelope: null,
    target: null,
    clientMsgId: uuid(2_000_000 + i),
    createdAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
  };
}

function eventsOf(count: number): RoomEvent[] {
  return Array.from({ length: count }, (_, k) => messageOf(k + 1));
}

/** How a {@link harness} render opens the room: where its "new messages" line goes, and whether its first page is in. */
interface Opening {
  /** Read up to this seq when the room opened: the "new messages" line comes after it (none when null, the default). */
  readonly newAfterSeq?: number | null;
  /** Whether the first page is in (default true); `load()` brings it. */
  readonly loaded?: boolean;
}

let root: Root | null = null;
let events: RoomEvent[] = [];
let index = MessageIndex.empty();
let opening: Required<Opening> = { newAfterSeq: null, loaded: true };
// What the timeline said of the newest message being in view, in order (the page reads a room on true).
let bottom: boolean[] = [];
const onAtBottomChange = (atBottom: boolean) => {
  bottom.push(atBottom);
};
// Boxes around the timeline, in CSS pixels (0: none): a banner above it, and the message box below it.
let around = { above: 0, below: 0 };

function draw(jumpTo: string | null, onJumped?: (id: string) => void): void {
  flushSync(() =>
    root?.render(
      <>
        {around.above > 0 && <div data-around="banner" style={{ height: around.above, flex: 'none' }} />}
        <Timeline
          events={opening.loaded ? events : []}
          opened={NO_OPENED}
          me="you"
          user={ME}
          newAfterSeq={opening.newAfterSeq !== null && (events.at(-1)?.seq ?? 0) > opening.newAfterSeq ? opening.newAfterSeq : null}
          loaded={opening.loaded}
          onAtBottomChange={onAtBottomChange}
          more={false}
          onOlder={() => Promise.resolve()}
          jumpTo={jumpTo}
          {...(onJumped ? { onJumped } : {})}
        />
        {around.below > 0 && <div data-around="message box" style={{ height: around.below, flex: 'none' }} />}
      </>,
    ),
  );
}

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

const harness = {
  /**
   * Renders a timeline of `count` messages and resolves, in ms, with the time from the render call
   * until the browser has painted it (two animation frames after the commit).
   */
  async render(count: number, open: Opening = {}): Promise<number> {
    root?.unmount();
    opening = { newAfterSeq: open.newAfterSeq ?? null, loaded: open.loaded ?? true };
    around = { above: 0, below: 0 };
    bottom = [];
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
  /** Brings the first page of a room rendered with `loaded: false` (the rows given to `render`, and any appended since). */
  async load(): Promise<void> {
    opening = { ...opening, loaded: true };
    draw(null);
    await frame();
    await frame();
  },
  /**
   * Sets the height (CSS pixels, 0 for none) of a banner above the timeline and of a message box below
   * it, as a page's "not verified" banner comes and goes and its message box grows, taking the height
   * from the timeline's box; resolves two frames later.
   */
  async around(above: number, below: number): Promise<void> {
    around = { above, below };
    draw(null);
    await frame();
    await frame();
  },
  /** What the timeline has said of the newest message being in view since the last render, in order. */
  bottom(): boolean[] {
    return bottom;
  },
  /** Adds one message at the end (as a live one arrives). */
  async append(text: string): Promise<void> {
    events = [...events, messageOf(events.length + 1, text)];
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
