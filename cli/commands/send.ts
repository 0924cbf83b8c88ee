import { randomUUID } from 'node:crypto';
import { ChatError } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { readAll } from '../node/terminal-input.js';

/** `chat send <room> [text...]`: the words as one message, or all of stdin as one message. */
export async function run(ctx: CliContext, room: string, words: string[]): Promise<void> {
  let body: string;
  if (words.length > 0) {
    body = words.join(' ');
  } else {
    if (ctx.io.stdin.isTTY) throw new ChatError('invalid_request', 'no message: give the text as arguments, or pipe it on stdin');
    body = (await readAll(ctx.io.stdin)).replace(/\r?\n$/, '');
  }
  if (body.trim() === '') throw new ChatError('invalid_request', 'the message is empty');
  const { api } = await ctx.signedIn();
  const ack = await api.send(room, body, randomUUID());
  ctx.out.result({ room, ...ack }, () => `Sent to #${room} (seq ${ack.seq}).`);
}
