import { isKnownRelation } from '../protocol/index.js';
import type { RoomEvent } from '../protocol/index.js';
import type { PendingMessage } from './outbox.js';

/** One reaction shown under a message: the emoji, how many people gave it, and whether this user did (with their reaction's seq, to take it back). */
export interface ReactionCount {
  readonly key: string;
  readonly count: number;
  readonly mineSeq: number | null;
  /** The usernames of the people who gave it, in the order they did (`count` of them). */
  readonly senders: readonly string[];
  /** This user's reaction with this key is on its way (given, or taken back), not yet stored: `count` and `mineSeq` already say how it will be. */
  readonly pending?: true;
}

/** What a reply quotes: the message it answers, or that it is not loaded (or was deleted). */
export interface ReplyQuote {
  readonly seq: number;
  readonly eventId: string;
  readonly sender: string | null;
  /** The quoted message's latest text; null when it is not loaded, deleted or unreadable. */
  readonly text: string | null;
  readonly deleted: boolean;
  /**
   * The id of the event the quote's text comes from (the quoted message, or its author's latest
   * edit) when that event is loaded (or fetched) and not deleted; absent when it is not loaded. A
   * null `text` with a source is one that did not open: a client labels it as it labels that
   * event's text (the opened notice), not as "not loaded".
   */
  readonly source?: string;
}

/**
 * A message as people see it after every relation of the room is applied: its latest text (the
 * author's newest edit), whether it was edited or deleted, its reactions and, for a reply, the quote.
 * A message of an unknown relation type (from a later version) is shown plainly, as its own message.
 */
export interface MessageView {
  readonly event: RoomEvent;
  /** The latest text; null when deleted or not readable (a private message not opened). */
  readonly text: string | null;
  readonly edited: boolean;
  readonly deleted: boolean;
  /** Its reactions; none once it is deleted (a tombstone carries none, in every client). */
  readonly reactions: readonly ReactionCount[];
  readonly replyTo: ReplyQuote | null;
  /** The relation type when this client does not know it (shown as a plain message). */
  readonly unknownRelation: string | null;
  /** The text of this user's edit still in the outbox (shown in place of `text`, marked pending). */
  readonly pendingText?: string;
  /** This user's delete of the message is still in the outbox (shown marked as being deleted). */
  readonly pendingDelete?: true;
}

/** Whether the event is a message of its own (plain, a reply, or a relation this client does not know) rather than an edit, reaction or delete of another. */
export function isOwnMessage(e: RoomEvent): boolean {
  if (e.kind !== 'message') return false;
  const type = e.relation?.type;
  return type === undefined || type === 'reply' || !isKnownRelation(type);
}

/**
 * Applies the relations among `events` (ascending seq); `pending` (this user's messages in the outbox)
 * folds in as `foldPending` says, and `quoted` (events fetched on their own, by id) gives the quote of
 * a reply whose target is not among `events`. Answers the messages to show, in seq order
 * (edits, reactions and deletes fold into their targets; membership events are left out, callers show
 * those from the events as before), also by event id. `contentOf` gives an event's text (the body in open rooms, the opened envelope in private ones)
 * or null. An edit counts only from the target's author (clients check it too, not only the server);
 * a delete from anyone the server accepted it from; a reaction's toggle-off is the delete of the reaction.
 * A deleted message keeps no reactions (its tombstone shows none), so no client need filter them.
 */
export function applyRelations(
  events: readonly RoomEvent[],
  me: string,
  contentOf: (e: RoomEvent) => string | null,
  pending: readonly PendingMessage[] = [],
  quoted: ReadonlyMap<string, RoomEvent> = new Map(),
): { readonly messages: readonly MessageView[]; readonly byId: ReadonlyMap<string, MessageView>; readonly folded: ReadonlySet<string> } {
  const byId = new Map(events.map((e) => [e.id, e]));
  const deleted = new Set<string>();
  const latestEdit = new Map<string, RoomEvent>();
  const reactions = new Map<string, RoomEvent[]>();
  for (const e of events) {
    if (e.redacted) deleted.add(e.id);
    const rel = e.relation;
    if (!rel || e.kind !== 'message') continue;
    if (rel.type === 'delete') deleted.add(rel.eventId);
    else if (rel.type === 'edit') {
      const target = byId.get(rel.eventId);
      if (target && target.sender.id === e.sender.id) latestEdit.set(rel.eventId, e);
    } else if (rel.type === 'reaction') {
      const list = reactions.get(rel.eventId) ?? [];
      list.push(e);
      reactions.set(rel.eventId, list);
    }
  }
  const textOf = (e: RoomEvent): string | null => {
    if (deleted.has(e.id)) return null;
    const edit = latestEdit.get(e.id);
    return edit ? contentOf(edit) : contentOf(e);
  };
  const views = new Map<string, MessageView>();
  const messages: MessageView[] = [];
  for (const e of events) {
    if (!isOwnMessage(e)) continue;
    const counts = new Map<string, { count: number; mineSeq: number | null; users: Set<string>; senders: string[] }>();
    // A deleted message is a tombstone on every surface: it carries no reactions.
    for (const r of deleted.has(e.id) ? [] : (reactions.get(e.id) ?? [])) {
      if (deleted.has(r.id)) continue;
      const key = contentOf(r);
      if (key === null) continue;
      const c = counts.get(key) ?? { count: 0, mineSeq: null, users: new Set<string>(), senders: [] };
      if (c.users.has(r.sender.id)) continue;
      c.users.add(r.sender.id);
      c.senders.push(r.sender.username);
      c.count += 1;
      if (r.sender.id === me) c.mineSeq = r.seq;
      counts.set(key, c);
    }
    const rel = e.relation;
    let replyTo: ReplyQuote | null = null;
    if (rel?.type === 'reply') {
      const target = byId.get(rel.eventId);
      // A target outside the loaded events, fetched on its own: its author's latest edit (loaded or fetched with it), or deleted.
      const outside = target ? undefined : quoted.get(rel.eventId);
      if (outside) {
        const source = outside.redacted || deleted.has(outside.id) ? null : latestOutside(outside, events, quoted);
        replyTo = source
          ? { seq: rel.seq, eventId: rel.eventId, sender: outside.sender.username, text: contentOf(source), deleted: false, source: source.id }
          : { seq: rel.seq, eventId: rel.eventId, sender: outside.sender.username, text: null, deleted: true };
      } else {
        const gone = deleted.has(rel.eventId);
        const source = target && !gone ? (latestEdit.get(target.id) ?? target).id : undefined;
        replyTo = { seq: rel.seq, eventId: rel.eventId, sender: target?.sender.username ?? null, text: target ? textOf(target) : null, deleted: gone, ...(source ? { source } : {}) };
      }
    }
    const view: MessageView = {
      event: e,
      text: textOf(e),
      edited: latestEdit.has(e.id),
      deleted: deleted.has(e.id),
      reactions: [...counts].map(([key, c]) => ({ key, count: c.count, mineSeq: c.mineSeq, senders: c.senders })),
      replyTo,
      unknownRelation: rel && !isKnownRelation(rel.type) ? rel.type : null,
    };
    views.set(e.id, view);
    messages.push(view);
  }
  if (pending.length === 0) return { messages, byId: views, folded: new Set() };
  const folded = foldPending(views, byId, pending);
  return { messages: messages.map((m) => views.get(m.event.id) ?? m), byId: views, folded };
}

/**
 * The event a quoted message outside the loaded events takes its text from: itself, or its author's
 * newest edit among `events` and `quoted` (ChatModel keeps fetched edits there too); null when a delete
 * of it is among them (a live delete, or one fetched with it).
 */
function latestOutside(target: RoomEvent, events: readonly RoomEvent[], quoted: ReadonlyMap<string, RoomEvent>): RoomEvent | null {
  let latest = target;
  for (const e of [...events, ...quoted.values()]) {
    const rel = e.relation;
    if (e.kind !== 'message' || rel?.eventId !== target.id) continue;
    if (rel.type === 'delete') return null;
    if (rel.type === 'edit' && e.sender.id === target.sender.id && !e.redacted && e.seq > latest.seq) latest = e;
  }
  return latest;
}

/**
 * Shows this user's relations still in the outbox on the messages they name (in `views`, replaced):
 * an edit's text as `pendingText`, a delete as `pendingDelete`, a reaction given or taken back as a
 * `pending` chip. Answers the clientMsgIds folded in; the others (replies, failed ones, those whose
 * target is not loaded) are for the caller to show as pending messages of their own.
 */
function foldPending(views: Map<string, MessageView>, events: ReadonlyMap<string, RoomEvent>, pending: readonly PendingMessage[]): Set<string> {
  const folded = new Set<string>();
  for (const p of pending) {
    const rel = p.relation;
    if (!rel || p.status === 'failed' || rel.type === 'reply') continue;
    const view = views.get(rel.eventId);
    if (rel.type === 'edit' && view && !view.deleted) {
      views.set(view.event.id, { ...view, pendingText: p.text });
    } else if (rel.type === 'delete' && view) {
      views.set(view.event.id, { ...view, pendingDelete: true });
    } else if (rel.type === 'reaction' && view && !view.deleted) {
      const chip = view.reactions.find((r) => r.key === p.text);
      const reactions = chip
        ? view.reactions.map((r) => (r === chip ? { ...r, count: r.mineSeq === null ? r.count + 1 : r.count, pending: true as const } : r))
        : [...view.reactions, { key: p.text, count: 1, mineSeq: null, senders: [], pending: true as const }];
      views.set(view.event.id, { ...view, reactions });
    } else if (rel.type === 'delete') {
      // The toggle-off of this user's reaction: the delete names the reaction event.
      const reaction = events.get(rel.eventId);
      const target = reaction?.relation?.type === 'reaction' ? views.get(reaction.relation.eventId) : undefined;
      if (!target) continue;
      const reactions = target.reactions
        .map((r) => (r.mineSeq === rel.seq ? { ...r, count: r.count - 1, mineSeq: null, pending: true as const } : r))
        .filter((r) => r.count > 0);
      views.set(target.event.id, { ...target, reactions });
    } else {
      continue;
    }
    folded.add(p.clientMsgId);
  }
  return folded;
}
