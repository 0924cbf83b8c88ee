import type { RoomEvent } from '../../shared/protocol/index.js';
import { encodeEvent } from '../../shared/protocol/index.js';
import { SharedEvent } from './connection.js';

/** How the room feeds' memory of recent events is bounded. */
export interface RecentEventsLimits {
  /** Events one room keeps at most (the newest). */
  readonly perRoom: number;
  /**
   * Bytes all rooms together keep at most (the events' JSON text, counted as UTF-16 code units, plus
   * a fixed overhead per event); past it, the rooms least recently used (a backfill or a new event)
   * forget theirs first.
   */
  readonly budgetBytes: number;
}

/** 100 events a room, 16 MiB in all: a reconnecting client is rarely more than a few events behind. */
export const DEFAULT_RECENT_LIMITS: RecentEventsLimits = { perRoom: 100, budgetBytes: 16 * 1024 * 1024 };

/** What one kept event costs beyond its JSON text (the entry, the SharedEvent), a rough figure in bytes. */
export const ENTRY_OVERHEAD = 96;

/** One kept event: its bytes as sent, and what a deletion needs to find it. */
interface Entry {
  readonly seq: number;
  readonly id: string;
  /** The message this event edits (an edit loses its content with the message it edits). */
  readonly editOf: string | undefined;
  shared: SharedEvent;
  bytes: number;
}

/**
 * The room feeds' memory of each live room's newest events, so that a subscribe that asks for recent
 * events (a reconnect, a storm of them) is answered without a store read. All rooms share one budget.
 */
export class RecentEvents {
  /** Every open window, the one used longest ago first (a use moves a window to the end, see `touched`). */
  private readonly windows = new Set<RecentWindow>();
  private total = 0;

  constructor(readonly limits: RecentEventsLimits = DEFAULT_RECENT_LIMITS) {}

  /** Bytes kept now, in all rooms (see `RecentEventsLimits.budgetBytes`). */
  get bytes(): number {
    return this.total;
  }

  /** A window for a room whose feed starts at `headSeq`: it knows no event yet, and covers nothing. */
  open(headSeq: number): RecentWindow {
    const window = new RecentWindow(this, headSeq);
    this.windows.add(window);
    return window;
  }

  /** Called by a window that was used: it becomes the last to forget. */
  touched(window: RecentWindow): void {
    this.windows.delete(window);
    this.windows.add(window);
  }

  /** Called by a window: `delta` bytes more (or fewer) kept; a growth may make older rooms forget. */
  resized(window: RecentWindow, delta: number): void {
    this.total += delta;
    if (delta <= 0) return;
    this.touched(window);
    for (const oldest of this.windows) {
      if (this.total <= this.limits.budgetBytes) break;
      // The window that grew goes last, and only if it alone exceeds the budget.
      oldest.forget();
    }
  }

  /** Called by a window that closes. */
  closed(window: RecentWindow): void {
    this.windows.delete(window);
  }
}

/**
 * One room's newest events, each held as the bytes its subscribers are sent. It covers the seqs
 * (`from`, `to`]: every event of the room in that range is held, in seq order, as it stood once the
 * event at `to` was delivered (a `delete` delivered later redacts what it deleted here too, exactly
 * as the store did). `to` follows the feed's position; `from` moves up as old events are let go.
 */
export class RecentWindow {
  private entries: Entry[] = [];
  private start: number;
  private end: number;
  private closedAlready = false;

  constructor(
    private readonly owner: RecentEvents,
    headSeq: number,
  ) {
    this.start = headSeq;
    this.end = headSeq;
  }

  /** Every event after this seq and up to `to` is held. */
  get from(): number {
    return this.start;
  }

  /** The last seq covered (the feed's position). */
  get to(): number {
    return this.end;
  }

  /** How many events are held. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Adds the event the feed just delivered (its seq is after `to`: the feed reads every event between,
   * so nothing is skipped), as the bytes already sent live. A `delete` also redacts what it deleted.
   */
  append(event: RoomEvent, shared: SharedEvent): void {
    if (this.closedAlready || event.seq <= this.end) return;
    this.end = event.seq;
    const entry = entryOf(event, shared);
    this.entries.push(entry);
    let delta = entry.bytes;
    if (event.relation?.type === 'delete') delta += this.redact(event.relation.eventId);
    delta -= this.trim();
    this.owner.resized(this, delta);
  }

  /**
   * The held events after `sinceSeq`, in seq order; undefined when some of them are older than the
   * window (`sinceSeq` < `from`): then the store has them.
   */
  after(sinceSeq: number): SharedEvent[] | undefined {
    if (sinceSeq < this.start) return undefined;
    if (!this.closedAlready) this.owner.touched(this);
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] as Entry).seq <= sinceSeq) lo = mid + 1;
      else hi = mid;
    }
    return this.entries.slice(lo).map((e) => e.shared);
  }

  /**
   * Extends the window back over events read from the store: `events` are every event of the room after
   * seq `sinceSeq`, in seq order. They are kept (the newest that fit) only when they end exactly where the
   * window starts, so that it still holds every event it covers. Answers the bytes to send for each of
   * `events`, made once here and shared with the window.
   */
  prepend(sinceSeq: number, events: readonly RoomEvent[]): SharedEvent[] {
    const older = events.map((event) => entryOf(event, new SharedEvent(encodeEvent(event))));
    if (this.closedAlready || older.length === 0 || sinceSeq >= this.start || (older.at(-1) as Entry).seq !== this.start) return older.map((e) => e.shared);
    this.entries = [...older, ...this.entries];
    this.start = sinceSeq;
    const delta = older.reduce((n, e) => n + e.bytes, 0) - this.trim();
    this.owner.resized(this, delta);
    return older.map((e) => e.shared);
  }

  /** Lets every held event go: the window then covers nothing until the next event (budget pressure). */
  forget(): void {
    const bytes = this.entries.reduce((n, e) => n + e.bytes, 0);
    this.entries = [];
    this.start = this.end;
    this.owner.resized(this, -bytes);
  }

  /** Lets everything go for good (the feed closed). */
  close(): void {
    if (this.closedAlready) return;
    this.forget();
    this.closedAlready = true;
    this.owner.closed(this);
  }

  /**
   * Mirrors the store's delete (`Store.deleteMessage`): the message `targetId` and every edit of it lose
   * their body and envelope and are marked redacted. Answers the change in bytes held.
   */
  private redact(targetId: string): number {
    let delta = 0;
    for (const entry of this.entries) {
      if (entry.id !== targetId && entry.editOf !== targetId) continue;
      const event = JSON.parse(entry.shared.json) as RoomEvent;
      if (event.redacted) continue;
      const redacted = encodeEvent({ ...event, body: null, envelope: null, redacted: true });
      entry.shared = new SharedEvent(redacted);
      const bytes = redacted.length + ENTRY_OVERHEAD;
      delta += bytes - entry.bytes;
      entry.bytes = bytes;
    }
    return delta;
  }

  /** Lets the oldest events go beyond the per-room limit; answers the bytes let go. */
  private trim(): number {
    const excess = this.entries.length - this.owner.limits.perRoom;
    if (excess <= 0) return 0;
    const dropped = this.entries.splice(0, excess);
    this.start = (dropped.at(-1) as Entry).seq;
    return dropped.reduce((n, e) => n + e.bytes, 0);
  }
}

function entryOf(event: RoomEvent, shared: SharedEvent): Entry {
  const editOf = event.relation?.type === 'edit' ? event.relation.eventId : undefined;
  return { seq: event.seq, id: event.id, editOf, shared, bytes: shared.json.length + ENTRY_OVERHEAD };
}
