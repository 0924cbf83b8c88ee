import { randomUUID } from 'node:crypto';
import { ChatError } from '../../shared/protocol/index.js';
import type { Room, SendMessageResult } from '../../shared/protocol/index.js';
import { neverSent } from '../../shared/client/index.js';
import type { ApiClient } from '../../shared/client/index.js';
import type { CliContext } from '../context.js';
import { warnAboutChangedKeys } from '../e2e-warnings.js';
import { readAll } from '../node/terminal-input.js';
import { neutralize } from '../output.js';
import { retryCommand, sendFailure } from '../send-failure.js';

/** `chat send` flags. */
export interface SendOptions {
  /** The message's idempotency key (a UUID, checked by the command line): the same id is stored once. */
  readonly id?: string;
}

/**
 * `chat send <room> [text...]`: the words as one message, or all of stdin as one message. In a
 * private room it is encrypted on this device first; the server only ever sees the envelope.
 *
 * Every send carries an idempotency key (`--id`, or a new UUID): the server stores a key once, so
 * a send that failed with its outcome unknown (the connection dropped, a 5xx) can be run again with
 * the same `--id` without doubling the message. Such a failure says so and gives that command.
 */
export async function run(ctx: CliContext, roomName: string, words: string[], opts: SendOptions = {}): Promise<void> {
  let body: string;
  if (words.length > 0) {
    body = words.join(' ');
  } else {
    if (ctx.io.stdin.isTTY) throw new ChatError('invalid_request', 'no message: give the text as arguments, or pipe it on stdin');
    // Windows line endings become newlines: a body keeps \n and \t, no other control characters.
    body = (await readAll(ctx.io.stdin)).replace(/\r\n/g, '\n').replace(/\n$/, '');
  }
  if (body.trim() === '') throw new ChatError('invalid_request', 'the message is empty');
  const { api, session } = await ctx.signedIn();
  const clientMsgId = opts.id ?? randomUUID();
  let room: Room | undefined;
  let ack: SendMessageResult;
  let sent = false;
  try {
    room = await api.room(roomName);
    if (room.visibility === 'private') {
      const e2e = await ctx.e2e(api, session);
      await warnAboutChangedKeys(ctx, e2e, room);
      const envelope = await e2e.encrypt(room.id, body, clientMsgId);
      sent = true;
      ack = await api.sendEnvelope(room.id, envelope);
    } else {
      sent = true;
      ack = await api.send(room.id, body, clientMsgId);
    }
  } catch (error) {
    if (error instanceof ChatError && error.code === 'conflict' && opts.id) throw reusedId(room?.name ?? roomName, error);
    // Lost answers and server errors leave the outcome unknown: the request may have been stored.
    throw sendFailure(error, { sent, neverSent: neverSent(error), retry: retryCommand({ profile: ctx.profileName, room: roomName, id: clientMsgId, words }) });
  }
  const encrypted = room.visibility === 'private';
  // A private room's text was compared with this device's own copy before it was encrypted.
  if (ack.duplicate && !encrypted) await checkSameText(ctx, api, room, ack, body);
  ctx.out.result({ room: room.name, encrypted, clientMsgId, ...ack }, () =>
    ack.duplicate
      ? `Already in #${neutralize(room.name)} (seq ${ack.seq}); not sent again.`
      : `Sent to #${neutralize(room.name)} (seq ${ack.seq}${encrypted ? ', encrypted' : ''}).`,
  );
}

/** The refusal of an `--id` used before for another text: nothing was sent. */
function reusedId(roomName: string, cause?: unknown): ChatError {
  return new ChatError('conflict', `this --id was already used for a different message in #${roomName}; nothing was sent (leave out --id to send a new message)`, { cause });
}

/**
 * Checks that the message the server already holds under this `--id` (a duplicate) has this text:
 * throws ChatError('conflict') when it has another, and notes on stderr when it cannot be read back.
 */
async function checkSameText(ctx: CliContext, api: ApiClient, room: Room, ack: SendMessageResult, body: string): Promise<void> {
  const stored = await api
    .history(room.id, { after: ack.seq - 1, limit: 1 })
    .then((page) => page.events.find((e) => e.id === ack.id))
    .catch(() => undefined);
  if (!stored) ctx.out.note(`chat: could not read back message seq ${ack.seq} to check it has the same text`);
  else if (stored.body !== body) throw reusedId(room.name);
}
