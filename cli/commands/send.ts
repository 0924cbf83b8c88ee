import { randomUUID } from 'node:crypto';
import { ChatError, isDirectMessage } from '../../shared/protocol/index.js';
import type { AckFrame, Room } from '../../shared/protocol/index.js';
import { neverSent, sendAndWait } from '../../shared/client/index.js';
import type { ApiClient } from '../../shared/client/index.js';
import type { CliContext } from '../context.js';
import { warnAboutChangedKeys } from '../e2e-warnings.js';
import { readAll } from '../node/terminal-input.js';
import { roomName as nameOfRoom } from '../room-ref.js';
import { neutralize } from '../output.js';
import { explainKeyReuse, retryCommand, sendFailure } from '../send-failure.js';

/** `chat send` flags. */
export interface SendOptions {
  /** The message's idempotency key (a UUID, checked by the command line): the same id is stored once. */
  readonly id?: string;
  /** Reply to (and quote) the message with this seq. */
  readonly replyTo?: number;
}

/**
 * `chat send <room> [text...]`: the words as one message, or all of stdin as one message, sent as the
 * TUI and the web send theirs: through the client's outbox over the socket (`sendAndWait`). In a
 * private room it is encrypted on this device first; the server only ever sees the envelope.
 *
 * Every send carries an idempotency key (`--id`, or a new UUID) as its clientMsgId: the server stores
 * a key once, and its ack says when it had (a duplicate). A send whose frame was written and never
 * acknowledged (the connection kept failing, or the wait for the ack ran out) may have been stored:
 * it says so and gives the command that runs it again with the same `--id` without doubling the
 * message. One that never reached an open socket says it was not sent.
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
  if (opts.replyTo !== undefined) {
    if (opts.id) throw new ChatError('invalid_request', '--id does not combine with --reply-to');
    const { reply } = await import('./relations.js');
    return reply(ctx, roomName, opts.replyTo, body);
  }
  const { api, session } = await ctx.signedIn();
  const clientMsgId = opts.id ?? randomUUID();
  let room: Room | undefined;
  let ack: AckFrame;
  let sent = false;
  try {
    room = await ctx.room(api, session, roomName, { openDirectMessage: true });
    const target = room;
    const e2e = target.visibility === 'private' ? await ctx.e2e(api, session) : undefined;
    if (e2e) await warnAboutChangedKeys(ctx, e2e, target);
    ack = await sendAndWait({
      live: await ctx.live(api),
      ...(e2e ? { e2e } : {}),
      room: target,
      text: body,
      clientMsgId,
      onWritten: () => {
        sent = true;
      },
    });
  } catch (error) {
    const shown = room ? await nameOfRoom(api, room, session.user.username, roomName) : neutralize(roomName);
    if (opts.id && isReusedId(error, room)) throw reusedId(shown, error);
    const retry = retryCommand({ profile: ctx.profileName, room: roomName, id: clientMsgId, words });
    const said = room ? explainKeyReuse(error, shown, retry) : error;
    // An unacknowledged frame leaves the outcome unknown: the message may have been stored.
    throw sendFailure(said, { sent, neverSent: neverSent(error), retry });
  }
  const encrypted = room.visibility === 'private';
  // A private room's text was compared with this device's own copy before it was encrypted.
  if (ack.duplicate && !encrypted) await checkSameText(ctx, api, room, ack, body, session.user.username);
  const result = { id: ack.id, seq: ack.seq, duplicate: ack.duplicate ?? false };
  const shown = await nameOfRoom(api, room, session.user.username, roomName);
  ctx.out.result({ room: room.name, encrypted, clientMsgId, ...result }, () =>
    ack.duplicate ? `Already in ${shown} (seq ${ack.seq}); not sent again.` : `Sent to ${shown} (seq ${ack.seq}${encrypted ? ', encrypted' : ''}).`,
  );
}

/**
 * Whether a refused `chat send --id` means the id was used before for another message: a `conflict`,
 * but not the refusal of a direct message whose other person has left (also `conflict`; it says so
 * itself). `room` as resolved before the send (its memberCount then).
 */
export function isReusedId(error: unknown, room: Room | undefined): boolean {
  if (!(error instanceof ChatError) || error.code !== 'conflict') return false;
  return !(room && isDirectMessage(room) && room.memberCount < 2);
}

/** The refusal of an `--id` used before for another text: nothing was sent. `room`: the room as named to the user (see roomName). */
function reusedId(room: string, cause?: unknown): ChatError {
  return new ChatError('conflict', `this --id was already used for a different message in ${room}; nothing was sent (leave out --id to send a new message)`, { cause });
}

/**
 * Checks that the message the server already holds under this `--id` (a duplicate) has this text:
 * throws ChatError('conflict') when it has another (`me`: the signed-in user's name, to name the room), and notes on stderr when it cannot be read back.
 */
async function checkSameText(ctx: CliContext, api: ApiClient, room: Room, ack: AckFrame, body: string, me: string): Promise<void> {
  const stored = await api
    .history(room.id, { after: ack.seq - 1, limit: 1 })
    .then((page) => page.events.find((e) => e.id === ack.id))
    .catch(() => undefined);
  if (!stored) ctx.out.note(`chat: could not read back message seq ${ack.seq} to check it has the same text`);
  else if (stored.body !== body) throw reusedId(await nameOfRoom(api, room, me));
}
