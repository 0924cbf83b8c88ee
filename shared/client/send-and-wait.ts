import { ChatError } from '../protocol/index.js';
import type { AckFrame, Room } from '../protocol/index.js';
import type { E2ESession } from './e2e-session.js';
import type { Clock, LiveClient } from './live-client.js';
import { MemoryOutboxStore } from './memory-outbox-store.js';
import { Outbox } from './outbox.js';

export interface SendAndWaitOptions {
  readonly live: LiveClient;
  /** Needed for a private room: encrypts when the message is flushed. */
  readonly e2e?: Pick<E2ESession, 'encrypt'>;
  readonly room: Pick<Room, 'id' | 'visibility'>;
  readonly text: string;
  /** Reconnect attempts before giving up with `unavailable` (default 5). */
  readonly attempts?: number;
  readonly clock?: Clock;
}

/**
 * One message through the client's outbox, as the interactive clients send theirs (over the socket,
 * body or envelope by room kind, re-sent after a reconnect with the same clientMsgId), for a one-shot
 * command: starts `live`, resolves with the server's ack, and stops `live` either way. Rejects with the
 * server's refusal, with `invalid_request` for a blank text, or with `unavailable` once the socket could
 * not be opened `attempts` times in a row; nothing is kept after it settles.
 */
export async function sendAndWait(options: SendAndWaitOptions): Promise<AckFrame> {
  const { live, e2e, room, text } = options;
  const limit = options.attempts ?? 5;
  const outbox = new Outbox({
    store: new MemoryOutboxStore(),
    clock: options.clock ?? { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
    transport: {
      sendBody: (roomId, body, clientMsgId) => live.send(roomId, body, clientMsgId),
      sendEnvelope: (roomId, envelope) => live.sendEnvelope(roomId, envelope),
      encrypt: (roomId, body, clientMsgId) => {
        if (!e2e) return Promise.reject(new ChatError('internal', 'a private room needs end-to-end encryption to send to'));
        return e2e.encrypt(roomId, body, clientMsgId);
      },
    },
  });
  const offs: (() => void)[] = [];
  try {
    return await new Promise<AckFrame>((resolve, reject) => {
      offs.push(
        live.on('state', (state) => {
          outbox.setOnline(state.status === 'connected');
          if (state.status === 'reconnecting' && state.attempt >= limit) reject(new ChatError('unavailable', `cannot reach the server (${state.attempt} attempts)`));
          if (state.status === 'closed' && state.reason) reject(state.reason);
        }),
      );
      live.start();
      outbox.setOnline(live.state.status === 'connected');
      outbox.add({ id: room.id, private: room.visibility === 'private' }, text).then((item) => outbox.whenSent(item.clientMsgId)).then(resolve, reject);
    });
  } finally {
    for (const off of offs) off();
    outbox.stop();
    live.stop();
  }
}
