import type { Logger } from 'pino';
import type { RoomEvent } from '../../shared/protocol/index.js';
import { BACKFILL_LIMIT, ChatError, encodeEvent, encodeServerFrame, TYPING_TTL_MS } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { Channels } from '../bus/bus.js';
import { readBusMessage, RoomBusMessage } from '../bus/messages.js';
import type { Metrics } from '../metrics.js';
import type { MembershipAsk, Store } from '../store/store.js';
import type { Connection } from './connection.js';
import { SharedEvent, SharedFrame } from './connection.js';
import type { RecentEventsLimits, RecentWindow } from './recent-events.js';
import { DEFAULT_RECENT_LIMITS, RecentEvents } from './recent-events.js';

/** How many events one store read fetches while backfilling or filling a gap. */
const PAGE = 500;

/** How many rooms one batched membership read asks about at most (a single subscribe may ask more). */
const MEMBERSHIP_BATCH = 5_000;

/** The subscribes' membership checks of one turn, each with its caller waiting. */
type MembershipBatch = { ask: MembershipAsk; resolve: (heads: Map<string, number>) => void; reject: (error: unknown) => void }[];

/** Where `subscribe` reports the rooms it did not subscribe. */
export interface SubscribeHandlers {
  /** The rooms the user is not a member of (or that do not exist), all at once. */
  refused(roomIds: readonly string[]): void;
  /** A room whose subscription failed after the check. */
  failed(roomId: string, error: unknown): void;
}

/** One room's live stream on this instance: the last seq delivered and the local subscribers. */
interface RoomFeed {
  readonly roomId: string;
  lastSeq: number;
  readonly subscribers: Set<Connection>;
  /** The newest events delivered (or backfilled from the store), which serve later subscribes' backfills. */
  recent: RecentWindow | undefined;
  /** Every change to the feed runs in this chain, so deliveries, backfills and cuts never interleave. */
  tail: Promise<void>;
}

/**
 * The instance's live room streams. The bus only hints that something happened; the store is the
 * truth: duplicates (seq already delivered) are dropped and gaps are read from the store, so each
 * subscriber sees every event exactly once, in seq order. A leave event cuts the leaving user's
 * subscriptions before anything after it is delivered.
 */
export class RoomFeeds {
  private readonly feeds = new Map<string, RoomFeed>();
  private readonly positionCheck: NodeJS.Timeout;
  /** The membership checks asked for in this turn of the event loop, read together at its end. */
  private checks: MembershipBatch | undefined;
  /** Every feed's newest events, within one budget. */
  private readonly recent: RecentEvents;

  /**
   * `positionCheckMs`: how often every feed compares its position with the store's head, which
   * catches a room's last message when the bus lost it and nothing came after to reveal the gap.
   * `recentLimits`: how many of each live room's newest events are kept to answer backfills from memory.
   */
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly logger: Logger,
    positionCheckMs = 10_000,
    private readonly metrics?: Metrics,
    recentLimits: RecentEventsLimits = DEFAULT_RECENT_LIMITS,
  ) {
    this.recent = new RecentEvents(recentLimits);
    bus.onReconnect(() => this.recheckAll());
    this.positionCheck = setInterval(() => this.recheckAll(), positionCheckMs);
    this.positionCheck.unref();
  }

  /**
   * Subscribes a connection to rooms, each from its `sinceSeq`. Membership of all of them is checked
   * in one store query first; the rooms the user is not in go to `handlers.refused` (once, together)
   * and touch no feed. Each other room backfills what it missed (up to BACKFILL_LIMIT, otherwise it
   * answers `recovered: false`), then streams; a room that fails goes to `handlers.failed`.
   */
  async subscribe(conn: Connection, rooms: readonly { roomId: string; sinceSeq: number }[], handlers: SubscribeHandlers): Promise<void> {
    const wanted = new Map<string, number>();
    for (const { roomId, sinceSeq } of rooms) if (!wanted.has(roomId)) wanted.set(roomId, sinceSeq);
    const heads = await this.membershipsOf(conn.user.id, [...wanted.keys()]);
    const refused = [...wanted.keys()].filter((roomId) => !heads.has(roomId));
    if (refused.length > 0) handlers.refused(refused);
    for (const [roomId, sinceSeq] of wanted) {
      const checkedAt = heads.get(roomId);
      if (checkedAt === undefined) continue;
      await this.subscribeOne(conn, roomId, sinceSeq, checkedAt).catch((error: unknown) => handlers.failed(roomId, error));
    }
  }

  /**
   * The user's memberships among `roomIds` with each room's head seq, read together with every other
   * subscribe's in the same turn of the event loop: one `membershipsOf` when alone, else one
   * `membershipsOfMany` per MEMBERSHIP_BATCH rooms asked about. Rejects with what the store throws.
   */
  private membershipsOf(userId: string, roomIds: readonly string[]): Promise<Map<string, number>> {
    let batch = this.checks;
    if (!batch) {
      const created: MembershipBatch = [];
      this.checks = batch = created;
      setImmediate(() => {
        this.checks = undefined;
        void this.check(created);
      });
    }
    const pending = batch;
    return new Promise((resolve, reject) => pending.push({ ask: { userId, roomIds }, resolve, reject }));
  }

  private async check(batch: MembershipBatch): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0] as MembershipBatch[number];
      await this.store.membershipsOf(only.ask.userId, only.ask.roomIds).then(only.resolve, only.reject);
      return;
    }
    let slice: MembershipBatch = [];
    let rooms = 0;
    for (const pending of batch) {
      if (slice.length > 0 && rooms + pending.ask.roomIds.length > MEMBERSHIP_BATCH) {
        await this.checkMany(slice);
        slice = [];
        rooms = 0;
      }
      slice.push(pending);
      rooms += pending.ask.roomIds.length;
    }
    await this.checkMany(slice);
  }

  private async checkMany(slice: MembershipBatch): Promise<void> {
    try {
      const answers = await this.store.membershipsOfMany(slice.map((p) => p.ask));
      slice.forEach((p, i) => p.resolve(answers[i] ?? new Map()));
    } catch (error) {
      for (const p of slice) p.reject(error);
    }
  }

  /** `checkedAt`: the room's head seq when membership was checked. */
  private subscribeOne(conn: Connection, roomId: string, sinceSeq: number, checkedAt: number): Promise<void> {
    return this.run(roomId, async (feed) => {
      // Catch the feed up to the head the membership check read (a new feed read the head itself), so
      // the backfill below ends exactly where live delivery starts: what was committed after the check
      // reaches this socket live, or through a gap read. A live feed is usually there already, so a
      // subscribe costs no store read beyond the check (a reconnect storm is mostly such subscribes).
      await this.catchUp(feed, checkedAt);
      // Events since the check may include this user's leave, delivered before this socket joined the
      // feed: then look again. Otherwise the check still holds, and any later leave cuts this socket.
      if (feed.lastSeq > checkedAt && !(await this.store.getMembership(roomId, conn.user.id))) {
        throw new ChatError('forbidden', 'you are not a member of this room');
      }
      let recovered = true;
      if (feed.lastSeq - sinceSeq > BACKFILL_LIMIT) {
        recovered = false;
      } else if (sinceSeq < feed.lastSeq) {
        for (const event of await this.backfill(feed, sinceSeq)) conn.sendEvent(event);
      }
      feed.subscribers.add(conn);
      conn.rooms.add(roomId);
      conn.sendFrame(encodeServerFrame({ type: 'subscribed', roomId, headSeq: feed.lastSeq, recovered }));
    });
  }

  /**
   * The room's events after `sinceSeq` up to the feed's position, as their subscribers are sent them:
   * from the feed's memory of recent events, with a store read only for those older than it (what was
   * read then joins the memory, for the next subscribe). Runs in the feed's chain.
   */
  private async backfill(feed: RoomFeed, sinceSeq: number): Promise<SharedEvent[]> {
    const recent = (feed.recent ??= this.recent.open(feed.lastSeq));
    const older: RoomEvent[] = [];
    for (let after = sinceSeq; ; ) {
      const held = recent.after(after);
      if (held) return [...recent.prepend(sinceSeq, older), ...held];
      // Older than the memory: read up to where it starts. (The budget may make it forget meanwhile; then
      // the next turn of this loop reads on up to where it starts then.)
      const until = recent.from;
      const page = (await this.store.listEvents(feed.roomId, { afterSeq: after, limit: Math.min(PAGE, until - after) })).filter((e) => e.seq <= until);
      older.push(...page);
      // An empty page: the store has no event in those seqs; the memory takes over where it starts.
      after = page.length > 0 ? (page.at(-1) as RoomEvent).seq : until;
    }
  }

  /** Ends a connection's subscription (asked for, or the socket closed). */
  unsubscribe(conn: Connection, roomId: string): Promise<void> {
    conn.rooms.delete(roomId);
    // No feed, no subscriber to remove: a room never subscribed costs nothing (no bus, no store).
    if (!this.feeds.has(roomId)) return Promise.resolve();
    return this.run(roomId, async (feed) => {
      feed.subscribers.delete(conn);
    });
  }

  /** Connections on this instance subscribed to any of the rooms. */
  subscribersOf(roomIds: Iterable<string>): Set<Connection> {
    const result = new Set<Connection>();
    for (const id of roomIds) for (const c of this.feeds.get(id)?.subscribers ?? []) result.add(c);
    return result;
  }

  /** Stops every feed (shutdown). */
  async close(): Promise<void> {
    clearInterval(this.positionCheck);
    await Promise.allSettled([...this.feeds.values()].map((f) => f.tail));
    for (const [roomId, feed] of this.feeds) {
      feed.recent?.close();
      await this.bus.unsubscribe(Channels.room(roomId));
    }
    this.feeds.clear();
  }

  private onBusMessage(roomId: string, raw: string): void {
    const read = readBusMessage(RoomBusMessage, raw);
    if (!read.ok) {
      // Dropped: an event lost this way is read from the store at the next gap or position check.
      this.logger.debug({ roomId, reason: read.reason }, 'invalid room bus message dropped');
      return;
    }
    const message = read.message;
    if (message.t === 'typing') {
      const feed = this.feeds.get(roomId);
      if (!feed) return;
      const frame = new SharedFrame(encodeServerFrame({ type: 'typing', roomId, user: message.user, state: message.state, ttlMs: message.state === 'start' ? TYPING_TTL_MS : 0 }));
      for (const c of feed.subscribers) if (c.id !== message.connectionId) c.sendShared(frame);
      return;
    }
    const seq = message.event.seq;
    if (!this.feeds.has(roomId)) return; // a late message for a feed already closed
    void this.run(roomId, async (feed) => {
      if (seq <= feed.lastSeq) return; // already delivered
      if (seq === feed.lastSeq + 1) this.deliver(feed, message.event);
      else await this.catchUp(feed, seq); // a gap: the store has what the bus lost
    }).catch((error: unknown) => this.logger.error({ err: error, roomId }, 'room feed delivery failed'));
  }

  /** Reads and delivers what the store has beyond the feed's position (up to `untilSeq` if given). */
  private async catchUp(feed: RoomFeed, untilSeq?: number): Promise<void> {
    const head = untilSeq ?? (await this.store.headSeq(feed.roomId));
    while (feed.lastSeq < head) {
      const events = await this.store.listEvents(feed.roomId, { afterSeq: feed.lastSeq, limit: Math.min(PAGE, head - feed.lastSeq) });
      if (events.length === 0) return;
      for (const event of events) this.deliver(feed, event);
    }
  }

  private deliver(feed: RoomFeed, event: RoomEvent): void {
    feed.lastSeq = event.seq;
    const shared = new SharedEvent(encodeEvent(event)); // once, whatever the number of recipients
    feed.recent?.append(event, shared);
    for (const c of feed.subscribers) c.sendEvent(shared);
    if (this.metrics && feed.subscribers.size > 0) {
      this.metrics.deliveries.inc(feed.subscribers.size);
      this.metrics.deliveryLatency.observe(Math.max(0, Date.now() - Date.parse(event.createdAt)) / 1000);
    }
    // A leave (or removal) cuts the departed user's subscriptions before anything after it.
    const departed = event.kind === 'leave' ? event.sender.id : event.kind === 'remove' ? event.target?.id : undefined;
    if (departed !== undefined) {
      const frame = encodeServerFrame({ type: 'unsubscribed', roomId: feed.roomId, reason: 'removed' });
      for (const c of feed.subscribers) {
        if (c.user.id !== departed) continue;
        feed.subscribers.delete(c);
        c.rooms.delete(feed.roomId);
        c.sendFrame(frame);
      }
    }
  }

  private recheckAll(): void {
    for (const roomId of this.feeds.keys()) {
      void this.run(roomId, (feed) => this.catchUp(feed)).catch((error: unknown) =>
        this.logger.error({ err: error, roomId }, 'room position re-check failed'),
      );
    }
  }

  /**
   * Runs `task` in the room's chain, creating the feed (bus subscription first, then the store head)
   * if needed, and dropping it once no one is subscribed.
   */
  private run(roomId: string, task: (feed: RoomFeed) => Promise<void>): Promise<void> {
    let feed = this.feeds.get(roomId);
    if (!feed) {
      const created: RoomFeed = { roomId, lastSeq: 0, subscribers: new Set(), recent: undefined, tail: Promise.resolve() };
      created.tail = (async () => {
        await this.bus.subscribe(Channels.room(roomId), (raw) => this.onBusMessage(roomId, raw));
        created.lastSeq = await this.store.headSeq(roomId);
      })();
      this.feeds.set(roomId, created);
      feed = created;
    }
    const current = feed;
    const result = current.tail.then(() => task(current));
    current.tail = result
      .catch(() => {})
      .then(async () => {
        if (current.subscribers.size === 0 && this.feeds.get(roomId) === current && current.tail === tailMarker) {
          this.feeds.delete(roomId);
          current.recent?.close();
          await this.bus.unsubscribe(Channels.room(roomId));
        }
      });
    const tailMarker = current.tail;
    return result;
  }
}
