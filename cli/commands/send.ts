import { sendAndWait } from '../../shared/client/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { warnAboutChangedKeys } from '../e2e-warnings.js';
import { readAll } from '../node/terminal-input.js';
import { neutralize } from '../output.js';

/**
 * `chat send <room> [text...]`: the words as one message, or all of stdin as one message, sent through
 * the client's outbox over the socket as the TUI and the web send theirs, and acknowledged before it
 * exits. In a private room it is encrypted on this device first; the server only ever sees the envelope.
 */
export async function run(ctx: CliContext, roomName: string, words: string[]): Promise<void> {
  let body: string;
  if (words.length > 0) {
    body = words.join(' ');
  } else {
    if (ctx.io.stdin.isTTY) throw new ChatError('invalid_request', 'no message: give the text as arguments, or pipe it on stdin');
    body = (await readAll(ctx.io.stdin)).replace(/\r?\n$/, '');
  }
  if (body.trim() === '') throw new ChatError('invalid_request', 'the message is empty');
  const { api, session } = await ctx.signedIn();
  const room = await api.room(roomName);
  let e2e;
  if (room.visibility === 'private') {
    e2e = await ctx.e2e(api, session);
    await warnAboutChangedKeys(ctx, e2e, room);
  }
  const { id, seq, clientMsgId } = await sendAndWait({ live: await ctx.live(api), room, text: body, ...(e2e ? { e2e } : {}) });
  const ack = { id, seq, clientMsgId };
  ctx.out.result({ room: room.name, encrypted: room.visibility === 'private', ...ack }, () => `Sent to #${neutralize(room.name)} (seq ${ack.seq}${room.visibility === 'private' ? ', encrypted' : ''}).`);
}
