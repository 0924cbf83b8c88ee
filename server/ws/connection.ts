import type { WebSocket } from 'ws';
import type { EncodedEvent, EncodedFrame, UserRef } from '../../shared/protocol/index.js';
import { CloseCode, encodeEventFrame } from '../../shared/protocol/index.js';
import type { FrameBudget } from '../ratelimit/flood-guard.js';
import type { AccessClaims } from '../services/tokens.js';
import { FloodGuard } from '../ratelimit/flood-guard.js';

/**
 * Flushes every connection that has queued output, once per tick: one timer for all sockets instead
 * of one per socket per event. The frames shared in a round are let go after it, so that an event a
 * room keeps in memory (see recent-events.ts) keeps no frame bytes with it.
 */
export class FlushScheduler {
  private pending = new Set<Connection>();
  private scheduled = false;

  /** `onSent`: told how many frames each round wrote, over all its sockets (for metrics). */
  constructor(private readonly onSent?: (frames: number) => void) {}

  schedule(conn: Connection): void {
    this.pending.add(conn);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const due = this.pending;
      this.pending = new Set();
      const framed: SharedEvent[] = [];
      let frames = 0;
      for (const c of due) frames += c.flush(framed);
      for (const event of framed) event.releaseFrame();
      this.onSent?.(frames);
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
}

/**
 * What a Connection needs of its socket: ws's WebSocket, and `writeWireFrame`, which writes a whole
 * WebSocket frame (made by `textFrame`) to the connection as it is. The gateway's sockets are
 * GatewaySockets (see gateway.ts).
 */
export type ConnectionSocket = WebSocket & { writeWireFrame(frame: Buffer): void };

/**
 * A whole WebSocket text frame, as a server sends it, carrying `json` in UTF-8 (RFC 6455 §5.2: a byte with
 * FIN and opcode 1; the payload's length in 7 bits, or 126 and 16 bits, or 127 and 64 bits; no mask; the
 * payload). One frame is written as it is to every socket that gets the same events, instead of ws framing
 * the payload again for each (a header allocated, two chunks corked and written per socket).
 */
export function textFrame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(json, header, 'utf8');
  return frame;
}

/**
 * A room event serialized once for all its recipients (by `encodeEvent`), which also frames it once:
 * the sockets that get the same run of events in a tick (a room's subscribers, as a rule) are written
 * the same bytes, a whole WebSocket frame (`textFrame`), instead of each joining, UTF-8-encoding and
 * framing its own copy.
 */
export class SharedEvent {
  /** The last run of events this one starts that was framed, and its frame's bytes. */
  private framed: { readonly run: readonly SharedEvent[]; readonly bytes: Buffer } | undefined;

  constructor(readonly json: EncodedEvent) {}

  /**
   * The WebSocket frame (`textFrame`) of the `event` frame (one event) or `batch` frame that carries
   * `items[start, end)`, a run that begins with this event; built once for every socket with the same run
   * until `releaseFrame`. An event that builds its frame is added to `framed`, for the caller to release it.
   */
  frameOf(items: readonly unknown[], start: number, end: number, framed?: SharedEvent[]): Buffer {
    const cached = this.framed;
    if (cached && cached.run.length === end - start && cached.run.every((e, i) => e === items[start + i])) return cached.bytes;
    const run = items.slice(start, end) as SharedEvent[];
    const bytes = textFrame(encodeEventFrame(run.map((e) => e.json)));
    if (!cached) framed?.push(this);
    this.framed = { run, bytes };
    return bytes;
  }

  /** Forgets the frame built last (the end of a flush round), so the event holds only its own text. */
  releaseFrame(): void {
    this.framed = undefined;
  }
}

/**
 * A frame other than a room event that many sockets get alike (a room's typing notices, a user's
 * presence), framed once (`textFrame`) at its first write and then written as it is to every socket.
 */
export class SharedFrame {
  private bytes: Buffer | undefined;

  constructor(readonly json: EncodedFrame) {}

  /** The whole WebSocket frame carrying `json`, built at the first call. */
  wire(): Buffer {
    return (this.bytes ??= textFrame(this.json));
  }
}

/** What a connection queues: a frame of its own, a frame shared with other sockets, or a room event. */
type Outgoing = EncodedFrame | SharedFrame | SharedEvent;

/**
 * One authenticated socket. Outgoing frames are queued and flushed once per tick: consecutive events
 * go out as one `batch` frame, built from events serialized once per fan-out and framed once for
 * every socket with the same run (see SharedEvent).
 */
export class Connection {
  /** Rooms this socket is subscribed to. */
  readonly rooms = new Set<string>();
  /** Rooms where this socket said it is typing, so a close can say it stopped (made at the first). */
  typingIn: Set<string> | undefined;
  /** Cleared on each ping, set by each pong; a socket still clear at the next ping is dead. */
  alive = true;
  /** The frames of this socket being handled, in order. */
  work: Promise<void> = Promise.resolve();
  /** Admits this socket's frames by cost (see FloodGuard). */
  readonly guard: FloodGuard;
  private queue: Outgoing[] = [];

  /**
   * `claims`: the access token the socket was opened (or last re-authenticated) with; the gateway
   * replaces them on `reauth` (same user and device) and closes the socket once they expire.
   */
  constructor(
    readonly id: string,
    readonly socket: ConnectionSocket,
    readonly user: UserRef,
    public claims: AccessClaims,
    private readonly options: ConnectionOptions,
  ) {
    this.guard = new FloodGuard(options.frameBudget);
  }

  /** The device whose socket this is (a re-auth keeps it). */
  get deviceId(): string {
    return this.claims.deviceId;
  }

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** Queues a whole frame, already serialized (by `encodeServerFrame`, once per fan-out). */
  sendFrame(json: EncodedFrame): void {
    this.enqueue(json);
  }

  /** Queues a frame that other sockets get alike, framed once for all of them (see SharedFrame). */
  sendShared(frame: SharedFrame): void {
    this.enqueue(frame);
  }

  /** Queues a room event, already serialized (once for all recipients). */
  sendEvent(event: SharedEvent): void {
    this.enqueue(event);
  }

  close(code: number, reason: string): void {
    this.queue = [];
    if (this.socket.readyState === this.socket.CONNECTING || this.open) this.socket.close(code, reason);
  }

  private enqueue(item: Outgoing): void {
    if (!this.open) return;
    if (this.queue.push(item) === 1) this.options.scheduler.schedule(this);
  }

  /**
   * Sends what is queued (the scheduler calls this once per tick) and answers how many frames it wrote;
   * the events that built a frame are added to `framed` (see SharedEvent.frameOf).
   */
  flush(framed?: SharedEvent[]): number {
    const items = this.queue;
    this.queue = [];
    if (!this.open) return 0;
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, 'slow consumer: reconnect and resume');
      return 0;
    }
    let frames = 0;
    for (let i = 0; i < items.length; frames++) {
      const item = items[i] as Outgoing;
      if (typeof item === 'string') {
        this.socket.send(item);
        i++;
        continue;
      }
      if (item instanceof SharedFrame) {
        this.socket.writeWireFrame(item.wire());
        i++;
        continue;
      }
      let end = i + 1;
      while (end < items.length && items[end] instanceof SharedEvent) end++;
      // A text frame, like every other: a browser hands a binary frame to scripts as a Blob, not text.
      this.socket.writeWireFrame(item.frameOf(items, i, end, framed));
      i = end;
    }
    return frames;
  }
}
