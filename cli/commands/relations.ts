import { applyRelations, sendAndWait } from '../../shared/client/index.js';
import type { ApiClient, E2ESession, StoredSession } from '../../shared/client/index.js';
import { ChatError, isReactionKey } from '../../shared/protocol/index.js';
import type { RelatesTo, Room, RoomEvent } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { warnAboutChangedKeys } from '../e2e-warnings.js';
import { neutralize } from '../output.js';
import { roomName as nameOfRoom } from '../room-ref.js';
import { explainKeyReuse } from '../send-failure.js';

/** How far past a message `chat react` looks for this user's reactions to it (events). */
const REACTION_SCAN_LIMIT = 2_000;

interface Target {
  readonly ctx: CliContext;
  readonly api: ApiClient;
  readonly session: StoredSession;
  readonly room: Room;
  /** The room as named to the user (`@peer` for a direct message; see roomName), neutralized. */
  readonly title: string;
  readonly e2e: E2ESession | undefined;
  readonly event: RoomEvent;
}

/**
 * The room (named as elsewhere: `@user`, `#name`, `name`), this device's encryption for a private one,
 * and the message at `seq` (not_found when there is none).
 */
async function target(ctx: CliContext, roomName: string, seq: number): Promise<Target> {
  const { api, session } = await ctx.signedIn();
  const room = await ctx.room(api, session, roomName);
  const title = await nameOfRoom(api, room, session.user.username, roomName);
  const e2e = room.visibility === 'private' ? await ctx.e2e(api, session) : undefined;
  if (e2e) await warnAboutChangedKeys(ctx, e2e, room);
  const event = (await api.history(room.id, { after: seq - 1, limit: 1 })).events.find((e) => e.seq === seq);
  if (!event || event.kind !== 'message') throw new ChatError('not_found', `there is no message ${seq} in ${title}`);
  return { ctx, api, session, room, title, e2e, event };
}

/**
 * Sends text related to the target as the interactive clients do: through the client's outbox over the
 * socket (`sendAndWait`), encrypted here in a private room, re-sent with the same clientMsgId after a
 * reconnect. Answers the new event's id and seq; rejects with the server's refusal or `unavailable`.
 */
async function sendRelated(t: Target, relatesTo: RelatesTo, text: string): Promise<{ id: string; seq: number }> {
  try {
    const ack = await sendAndWait({
      live: await t.ctx.live(t.api),
      ...(t.e2e ? { e2e: t.e2e } : {}),
      room: t.room,
      text,
      relation: { ...relatesTo, seq: t.event.seq },
    });
    return { id: ack.id, seq: ack.seq };
  } catch (error) {
    throw explainKeyReuse(error, t.title);
  }
}

/** `chat edit <room> <seq> <text...>`: replaces the text of your message (encrypted here in a private room). */
export async function edit(ctx: CliContext, roomName: string, seq: number, words: string[]): Promise<void> {
  const text = words.join(' ');
  if (text.trim() === '') throw new ChatError('invalid_request', 'the new text is empty (use chat delete to remove a message)');
  const t = await target(ctx, roomName, seq);
  const done = await sendRelated(t, { type: 'edit', eventId: t.event.id }, text);
  ctx.out.result({ room: t.room.name, target: seq, ...done }, () => `Edited #${seq} in ${t.title} (seq ${done.seq}).`);
}

/**
 * Why `chat delete` refuses the event at `seq`, or null when it is a message it may delete. Seqs have
 * gaps (edits and reactions take seqs too), so a mistyped seq may name someone's reaction or an edit:
 * those are not deleted by seq here (a reaction is taken back with `chat react`, an edit by editing
 * again). Answers ChatError('invalid_request') for those, ('not_found') for no message at all.
 * `roomName`: the room as typed (for the command to run); `title`: as named to the user (default `#roomName`).
 */
export function deleteRefusal(event: RoomEvent | undefined, roomName: string, seq: number, title = `#${roomName}`): ChatError | null {
  if (!event || event.kind !== 'message') return new ChatError('not_found', `there is no message ${seq} in ${title}`);
  const rel = event.relation;
  if (rel?.type === 'reaction') {
    return new ChatError('invalid_request', `#${seq} is a reaction by ${event.sender.username}, not a message; take your own reaction back with \`chat react ${roomName} ${rel.seq} <emoji>\``);
  }
  if (rel?.type === 'edit') {
    return new ChatError('invalid_request', `#${seq} is an edit of message #${rel.seq}, not a message; edit #${rel.seq} again, or delete #${rel.seq} itself`);
  }
  if (rel?.type === 'delete') return new ChatError('invalid_request', `#${seq} is the delete of message #${rel.seq}, not a message`);
  return null;
}

/** `chat delete <room> <seq>`: deletes a message for good (yours, or any in a room you own); refuses a reaction or an edit (see deleteRefusal). */
export async function remove(ctx: CliContext, roomName: string, seq: number): Promise<void> {
  const { api, session } = await ctx.signedIn();
  const room = await ctx.room(api, session, roomName);
  const title = await nameOfRoom(api, room, session.user.username, roomName);
  const event = (await api.history(room.id, { after: seq - 1, limit: 1 })).events.find((e) => e.seq === seq);
  const refusal = deleteRefusal(event, neutralize(roomName), seq, title);
  if (refusal) throw refusal;
  const done = await api.deleteMessage(room.id, seq);
  ctx.out.result({ room: room.name, target: seq, ...done }, () => `Deleted #${seq} in ${title}.`);
}

/**
 * `chat react <room> <seq> <emoji>`: toggles your reaction: adds it, or, when you already gave this
 * emoji to the message, takes it back (deletes your reaction event).
 */
export async function react(ctx: CliContext, roomName: string, seq: number, key: string): Promise<void> {
  if (!isReactionKey(key)) throw new ChatError('invalid_request', 'a reaction is one emoji (or one of + - ? ! ✓ ✗ ★ ♥)');
  const t = await target(ctx, roomName, seq);
  const events: RoomEvent[] = [];
  let after = seq - 1;
  for (;;) {
    const page = await t.api.history(t.room.id, { after, limit: 500 });
    events.push(...page.events);
    const last = page.events.at(-1);
    if (!page.hasMore || !last || events.length >= REACTION_SCAN_LIMIT) break;
    after = last.seq;
  }
  const opened = new Map<string, string | null>();
  for (const e of events) {
    if (e.envelope && e.relation?.type === 'reaction' && e.relation.eventId === t.event.id && e.sender.id === t.session.user.id && t.e2e) {
      const o = await t.e2e.open(e);
      opened.set(e.id, o.status === 'ok' ? o.body : null);
    }
  }
  const { byId } = applyRelations(events, t.session.user.id, (e) => (e.envelope ? (opened.get(e.id) ?? null) : e.body));
  const mine = byId.get(t.event.id)?.reactions.find((r) => r.key === key)?.mineSeq ?? null;
  if (mine !== null) {
    await t.api.deleteMessage(t.room.id, mine);
    ctx.out.result({ room: t.room.name, target: seq, key, reacted: false }, () => `Took back ${neutralize(key)} from #${seq} in ${t.title}.`);
    return;
  }
  const done = await sendRelated(t, { type: 'reaction', eventId: t.event.id }, key);
  ctx.out.result({ room: t.room.name, target: seq, key, reacted: true, ...done }, () => `Reacted ${neutralize(key)} to #${seq} in ${t.title}.`);
}

/** `chat send <room> --reply-to <seq> <text...>`: a reply quoting the message at `seq`. */
export async function reply(ctx: CliContext, roomName: string, seq: number, text: string): Promise<void> {
  const t = await target(ctx, roomName, seq);
  const done = await sendRelated(t, { type: 'reply', eventId: t.event.id }, text);
  ctx.out.result({ room: t.room.name, replyTo: seq, encrypted: t.e2e !== undefined, ...done, duplicate: false }, () =>
    `Sent to ${t.title} (seq ${done.seq}, reply to #${seq}${t.e2e ? ', encrypted' : ''}).`,
  );
}
