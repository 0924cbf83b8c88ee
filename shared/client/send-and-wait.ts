import { ChatError } from '../protocol/index.js';
import type { AckFrame, Room } from '../protocol/index.js';
import type { E2ESession } from './e2e-session.js';
import type { Clock, LiveClient } from './live-client.js';
import { MemoryOutboxStore } from './memory-outbox-store.js';
import { Outbox } from './outbox.js';
import type { OutboxRelation } from './outbox-store.js';

export interface SendAndWaitOptions {
  readonly live: LiveClient;
  /** Needed for a private room: encrypts when the message is flushed. */
  readonly e2e?: Pick<E2ESession, 'encrypt' | 'refused'>;
  readonly room: Pick<Room, 'id' | 'visibility'>;
  readonly text: string;
  /** An edit, reaction or reply of an earlier message (`chat edit`, `chat react`, `chat send --reply-to`); a delete is not sent here. */
  readonly relation?: OutboxRelation;
  /** The message's idempotency key (a UUID): the server stores it once. Default: a new UUID. */
  readonly clientMsgId?: string;
  /**
   * Gives up with `unavailable` after this many failed connection attempts in a row before the frame
   * was written, or this many lost connections after it was written (default 5).
   */
  readonly attempts?: number;
  /** Gives up with `unavailable` when no ack came this long (ms) after the frame was first written (default 30,000). */
  readonly ackTimeoutMs?: number;
  /** Called once, when the `send` frame is first written to an open socket: from then on it may be stored. */
  readonly onWritten?: () => void;
  readonly clock?: Clock;
}

const systemClock: Clock = { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };

/**
 * One message through the client's outbox, as the interactive clients send theirs (over the socket,
 * body or envelope by room kind, re-sent after a reconnect with the same clientMsgId and, for a
 * private room, the same envelope), for a one-shot command: starts `live`, resolves with the server's
 * ack (`duplicate: true` when the clientMsgId was stored before), and stops `live` either way.
 * Rejects with the server's refusal (or the encryption's, e.g. `conflict`), with `invalid_request`
 * for a blank text, or with `unavailable` when the socket could not be opened `attempts` times in a
 * row, when it was lost `attempts` times after the frame was written, or when the ack did not come
 * within `ackTimeoutMs`; `onWritten` tells these last two apart from the first (nothing was sent).
 * Nothing is kept after it settles.
 */
export async function sendAndWait(options: SendAndWaitOptions): Promise<AckFrame> {
  const { live, e2e, room, text } = options;
  const limit = options.attempts ?? 5;
  const clock = options.clock ?? systemClock;
  const clientMsgId = options.clientMsgId ?? crypto.randomUUID();
  /** The frame is on the socket's send path: handed to the live client. */
  let handed = false;
  let written = false;
  let drops = 0;
  /** The live client emits its `reconnecting` state again as each attempt starts: each drop counts once. */
  let lastState: unknown = null;
  let ackTimer: unknown = null;
  let fail: (error: ChatError) => void = () => undefined;
  const markWritten = () => {
    if (written) return;
    written = true;
    options.onWritten?.();
    ackTimer = clock.setTimeout(() => fail(new ChatError('unavailable', `the server did not acknowledge the message within ${Math.round((options.ackTimeoutMs ?? 30_000) / 1000)} s`)), options.ackTimeoutMs ?? 30_000);
  };
  /** The live client writes a send at once when connected, and again at every reconnect. */
  const hand = (ack: Promise<AckFrame>): Promise<AckFrame> => {
    handed = true;
    if (live.state.status === 'connected') markWritten();
    return ack;
  };
  const outbox = new Outbox({
    store: new MemoryOutboxStore(),
    clock,
    newId: () => clientMsgId,
    transport: {
      sendBody: (roomId, body, id, relatesTo) => hand(relatesTo ? live.send(roomId, body, id, relatesTo) : live.send(roomId, body, id)),
      sendEnvelope: (roomId, envelope, relatesTo) => hand(relatesTo ? live.sendEnvelope(roomId, envelope, relatesTo) : live.sendEnvelope(roomId, envelope)),
      deleteMessage: () => Promise.reject(new ChatError('internal', 'a delete is sent with ApiClient.deleteMessage, not sendAndWait')),
      encrypt: (roomId, body, id) => {
        if (!e2e) return Promise.reject(new ChatError('internal', 'a private room needs end-to-end encryption to send to'));
        return e2e.encrypt(roomId, body, id);
      },
        refused: (envelope, code) => (e2e ? e2e.refused(envelope, code) : Promise.resolve()),
    },
  });
  const offs: (() => void)[] = [];
  try {
    return await new Promise<AckFrame>((resolve, reject) => {
      fail = reject;
      offs.push(
        live.on('state', (state) => {
          const repeated = state === lastState;
          lastState = state;
          if (state.status === 'connected' && handed) markWritten();
          outbox.setOnline(state.status === 'connected');
          if (state.status === 'reconnecting' && !repeated) {
            if (written) {
              drops += 1;
              if (drops >= limit) reject(new ChatError('unavailable', `the connection failed ${drops} times before the server acknowledged the message`));
            } else if (state.attempt >= limit) {
              reject(new ChatError('unavailable', `cannot reach the server after ${state.attempt} attempts (check your network connection, or whether the server is up)`));
            }
          }
          if (state.status === 'closed' && state.reason) reject(state.reason);
        }),
      );
      live.start();
      outbox.setOnline(live.state.status === 'connected');
      outbox.add({ id: room.id, private: room.visibility === 'private' }, text, options.relation).then((item) => outbox.whenSent(item.clientMsgId)).then(resolve, reject);
    });
  } finally {
    if (ackTimer !== null) clock.clearTimeout(ackTimer);
    for (const off of offs) off();
    outbox.stop();
    live.stop();
  }
}
