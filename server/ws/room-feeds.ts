import type { Logger } from 'pino';
import type { RoomEvent } from '../../shared/protocol/index.js';
import { BACKFILL_LIMIT, ChatError, TYPING_TTL_MS } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { Channels } from '../bus/bus.js';
import type { RoomBusMessage } from '../services/room-events.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';
import type { Connection } from './connection.js';

/** How many events one store read fetches while backfilling or filling a gap. */
const PAGE = 500;

/** One room's live stream on this instance: the last seq delivered and the local subscribers. */
interface RoomFeed {
  readonly roomId: string;
  lastSeq: number;
  readonly subscribers: Set<Connection>;
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

  /**
   * `positionCheckMs`: how often every feed compares its position with the store's head, which
   * catches a room's last message when the bus lost it and nothing came after to reveal the gap.
   */
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly logger: Logger,
    positionCheckMs = 10_000,
    private readonly metrics?: Metrics,
  ) {
    bus.onReconnect(() => this.recheckAll());
    this.positionCheck = setInterval(() => this.recheckAll(), positionCheckMs);
    this.positionCheck.unref();
  }

  /**
   * Subscribes a connection from `sinceSeq`: re-checks membership, backfills what it missed (up to
   * BACKFILL_LIMIT, otherwise answers `recovered: false`), then streams.
   */
  subscribe(conn: Connection, roomId: string, sinceSeq: number): Promise<void> {
    return this.run(roomId, async (feed) => {
      if (!(await this.store.getMembership(roomId, conn.user.id))) {
        throw new ChatError('forbidden', 'you are not a member of this room');
      }
      // Catch the feed up first, so the backfill below ends exactly where live delivery starts.
      await this.catchUp(feed);
      let recovered = true;
      if (feed.lastSeq - sinceSeq > BACKFILL_LIMIT) {
        recovered = false;
      } else {
        for (let after = sinceSeq; after < feed.lastSeq; ) {
          const events = await this.store.listEvents(roomId, { afterSeq: after, limit: Math.min(PAGE, feed.lastSeq - after) });
          if (events.length === 0) break;
          for (const event of events) conn.sendEvent(JSON.stringify(event));
          after = (events.at(-1) as RoomEvent).seq;
        }
      }
      feed.subscribers.add(conn);
      conn.rooms.add(roomId);
      conn.sendFrame(JSON.stringify({ type: 'subscribed', roomId, headSeq: feed.lastSeq, recovered }));
    });
  }

  /** Ends a connection's subscription (asked for, or the socket closed). */
  unsubscribe(conn: Connection, roomId: string): Promise<void> {
    conn.rooms.delete(roomId);
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
    for (const roomId of this.feeds.keys()) await this.bus.unsubscribe(Channels.room(roomId));
    this.feeds.clear();
  }

  private onBusMessage(roomId: string, raw: string): void {
    let message: RoomBusMessage;
    try {
      message = JSON.parse(raw) as RoomBusMessage;
    } catch {
      this.logger.warn({ roomId }, 'unparseable bus message');
      return;
    }
    if (message.t === 'typing') {
      const feed = this.feeds.get(roomId);
      if (!feed) return;
      const frame = JSON.stringify({ type: 'typing', roomId, user: message.user, state: message.state, ttlMs: message.state === 'start' ? TYPING_TTL_MS : 0 });
      for (const c of feed.subscribers) if (c.id !== message.connectionId) c.sendFrame(frame);
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
    const json = JSON.stringify(event); // once, whatever the number of recipients
    for (const c of feed.subscribers) c.sendEvent(json);
    if (this.metrics && feed.subscribers.size > 0) {
      this.metrics.deliveries.inc(feed.subscribers.size);
      this.metrics.deliveryLatency.observe(Math.max(0, Date.now() - Date.parse(event.createdAt)) / 1000);
    }
    // A leave (or removal) cuts the departed user's subscriptions before anything after it.
    const departed = event.kind === 'leave' ? event.sender.id : event.kind === 'remove' ? event.target?.id : undefined;
    if (departed !== undefined) {
      const frame = JSON.stringify({ type: 'unsubscribed', roomId: feed.roomId, reason: 'removed' });
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
      const created: RoomFeed = { roomId, lastSeq: 0, subscribers: new Set(), tail: Promise.resolve() };
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
          await this.bus.unsubscribe(Channels.room(roomId));
        }
      });
    const tailMarker = current.tail;
    return result;
  }
}
