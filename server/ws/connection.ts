import type { WebSocket } from 'ws';
import type { EncodedEvent, EncodedFrame, UserRef } from '../../shared/protocol/index.js';
import { CloseCode, encodeEventFrame } from '../../shared/protocol/index.js';
import type { FrameBudget } from '../ratelimit/flood-guard.js';
import { FloodGuard } from '../ratelimit/flood-guard.js';

/**
 * Flushes every connection that has queued output, once per tick: one timer for all sockets instead
 * of one per socket per event.
 */
export class FlushScheduler {
  private pending = new Set<Connection>();
  private scheduled = false;

  schedule(conn: Connection): void {
    this.pending.add(conn);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const due = this.pending;
      this.pending = new Set();
      for (const c of due) c.flush();
    });
  }
}

export interface ConnectionOptions {
  /** Shared by the gateway's connections. */
  readonly scheduler: FlushScheduler;
  /** Past this many bytes waiting in the socket, the peer is too slow and is cut. */
  readonly maxBufferedBytes: number;
  /** What incoming frames may cost, per socket and per user (the gateway keeps the user buckets). */
  readonly frameBudget: FrameBudget;
  /** Told how many frames each flush wrote (for metrics). */
  readonly onSent?: (frames: number) => void;
}

type Outgoing = { readonly event: true; readonly json: EncodedEvent } | { readonly event: false; readonly json: EncodedFrame };

/**
 * One authenticated socket. Outgoing frames are queued and flushed once per tick: consecutive events
 * go out as one `batch` frame, built by joining bytes already serialized once per fan-out.
 */
export class Connection {
  /** Rooms this socket is subscribed to. */
  readonly rooms = new Set<string>();
  /** Rooms where this socket said it is typing, so a close can say it stopped. */
  readonly typingIn = new Set<string>();
  /** Cleared on each ping, set by each pong; a socket still clear at the next ping is dead. */
  alive = true;
  /** The frames of this socket being handled, in order. */
  work: Promise<void> = Promise.resolve();
  /** Admits this socket's frames by cost (see FloodGuard). */
  readonly guard: FloodGuard;
  private queue: Outgoing[] = [];

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly user: UserRef,
    readonly deviceId: string,
    private readonly options: ConnectionOptions,
  ) {
    this.guard = new FloodGuard(options.frameBudget);
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** Queues a whole frame, already serialized (by `encodeServerFrame`, once per fan-out). */
  sendFrame(json: EncodedFrame): void {
    this.enqueue({ event: false, json });
  }

  /** Queues a room event, already serialized (by `encodeEvent`, once for all recipients). */
  sendEvent(eventJson: EncodedEvent): void {
    this.enqueue({ event: true, json: eventJson });
  }

  close(code: number, reason: string): void {
    this.queue = [];
    if (this.socket.readyState === this.socket.CONNECTING || this.open) this.socket.close(code, reason);
  }

  private enqueue(item: Outgoing): void {
    if (!this.open) return;
    if (this.queue.push(item) === 1) this.options.scheduler.schedule(this);
  }

  /** Sends what is queued (the scheduler calls this once per tick). */
  flush(): void {
    const items = this.queue;
    this.queue = [];
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, 'slow consumer: reconnect and resume');
      return;
    }
    let frames = 0;
    for (let i = 0; i < items.length; frames++) {
      const item = items[i] as Outgoing;
      if (!item.event) {
        this.socket.send(item.json);
        i++;
        continue;
      }
      const events: EncodedEvent[] = [];
      for (; i < items.length; i++) {
        const next = items[i] as Outgoing;
        if (!next.event) break;
        events.push(next.json);
      }
      this.socket.send(encodeEventFrame(events));
    }
    this.options.onSent?.(frames);
  }
}
