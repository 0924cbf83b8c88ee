import { ChatError, MAX_ENVELOPE_CT, MessageBody, WS_MAX_PAYLOAD } from '../protocol/index.js';
import type { AckFrame, Envelope, ErrorCodeValue, RelatesTo } from '../protocol/index.js';
import type { BackoffPolicy } from './backoff.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { Emitter } from './emitter.js';
import type { Clock } from './live-client.js';
import type { OutboxItem, OutboxRelation, OutboxStore } from './outbox-store.js';

/**
 * A message on its way, as a client shows it: `queued` (waiting for the connection, or for its turn),
 * `sending` (on the socket, not yet acknowledged), `failed` (refused; `error` says why). With
 * `relation`, an edit (`text` is the new text), reaction (`text` is the emoji), reply or delete (`text`
 * is empty) of an earlier message of the room, which clients show on that message as pending.
 */
export interface PendingMessage {
  readonly clientMsgId: string;
  readonly roomId: string;
  readonly text: string;
  readonly private: boolean;
  readonly queuedAt: number;
  readonly status: 'queued' | 'sending' | 'failed';
  readonly error?: { readonly code: ErrorCodeValue; readonly message: string };
  readonly relation?: OutboxRelation;
}

/**
 * Whether a message of this user's among `pending` (one room's, see ChatSnapshot.pending) is still on
 * its way: a plain message or a reply, not failed. Such a message is the room's newest and has no
 * server id yet, so "the last message" commands (/edit, /react, /reply, /delete with nothing
 * selected; ↑ to edit the last one) must not fall back to an older, acknowledged one.
 */
export function newestIsSending(pending: readonly Pick<PendingMessage, 'status' | 'relation'>[]): boolean {
  return pending.some((p) => p.status !== 'failed' && (!p.relation || p.relation.type === 'reply'));
}

/**
 * What a pending message shows as its text, the same in every client: a plain message's text; for a
 * relation shown on its own (a reply, or one whose target is not loaded or that failed), what it does:
 * "↩ #12 text", "✎ #12 → text", "👍 on #12", "delete #12".
 */
export function pendingText(p: Pick<PendingMessage, 'text' | 'relation'>): string {
  const r = p.relation;
  if (!r) return p.text;
  switch (r.type) {
    case 'reply':
      return `↩ #${r.seq} ${p.text}`;
    case 'edit':
      return `✎ #${r.seq} → ${p.text}`;
    case 'reaction':
      return `${p.text} on #${r.seq}`;
    case 'delete':
      return `delete #${r.seq}`;
    default: {
      const unreachable: never = r.type;
      return String(unreachable);
    }
  }
}

/** How the outbox reaches the server: the live socket's sends, the delete request, and this device's encryption. */
export interface OutboxTransport {
  /** Sends an open room's message (an edit, reaction or reply with `relatesTo`); resolves with the ack (re-sent by the socket after a reconnect). */
  sendBody(roomId: string, body: string, clientMsgId: string, relatesTo?: RelatesTo): Promise<AckFrame>;
  /** Sends a private room's envelope the same way. */
  sendEnvelope(roomId: string, envelope: Envelope, relatesTo?: RelatesTo): Promise<AckFrame>;
  /**
   * Deletes the message at `seq` (`DELETE /rooms/:room/messages/:seq`); resolves with the delete
   * event's id and seq, rejects with the server's ChatError (`conflict` when it is already deleted).
   */
  deleteMessage(roomId: string, seq: number): Promise<{ id: string; seq: number }>;
  /** Encrypts for the room's devices of the moment. */
  encrypt(roomId: string, body: string, clientMsgId: string): Promise<Envelope>;
  /**
   * Told when the server refused an envelope `encrypt` made (with the refusal's code), before the
   * message is marked failed: the encryption forgets it, so a retry is sealed anew (`E2ESession.refused`).
   */
  refused(envelope: Envelope, code: string): Promise<void>;
}

export interface OutboxEvents extends Record<string, unknown> {
  /** The pending list changed. */
  change: readonly PendingMessage[];
  /** A message was acknowledged (and left the outbox). */
  sent: { readonly item: PendingMessage; readonly ack: AckFrame };
}

export interface OutboxOptions {
  readonly store: OutboxStore;
  readonly transport: OutboxTransport;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  readonly newId?: () => string;
}

/** Errors after which the same message may go through later: the server or the network is away. */
const TRANSIENT: ReadonlySet<string> = new Set(['unavailable', 'rate_limited']);

/**
 * The one outbox of a client, for every room kind: messages are kept (in the store passed in) from the
 * moment they are typed until the server acknowledges them, sent in the order typed whenever the
 * connection is up, and all go over the socket — an open room's as a body, a private room's as an
 * envelope encrypted when it is flushed (so a member removed while the message waited never gets the
 * chain). A send the socket could not finish (the client stopped) goes back to the queue; one the
 * server refused is marked failed and stays until retried or discarded.
 *
 * Relations go the same way: edits, reactions and replies are `send` frames with `relatesTo` (same
 * clientMsgId on every retry, so the server stores them once); a delete is the REST delete, sent only
 * once everything queued before it is acknowledged and finished before anything after it goes, so
 * it never overtakes an edit of the same message. A delete retried after it was stored answers
 * `conflict` (already deleted), which counts as done: its ack then has seq 0 and `duplicate`.
 */
export class Outbox extends Emitter<OutboxEvents> {
  private items: PendingMessage[] = [];
  /** Envelopes made for private messages, by clientMsgId (also kept in the store). */
  private readonly envelopes = new Map<string, Envelope>();
  private readonly waiters = new Map<string, { resolve: (ack: AckFrame) => void; reject: (error: ChatError) => void }[]>();
  private online = false;
  private flushing = false;
  private flushAgain = false;
  private attempt = 0;
  private retryTimer: unknown = null;
  /** The store writes of `add`, chained in the order of the calls (see there). */
  private adding: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OutboxOptions) {
    super();
  }

  /** Every message not yet acknowledged, in the order typed. */
  get pending(): readonly PendingMessage[] {
    return this.items;
  }

  /** Takes in what the store kept (messages typed before the last quit); they are sent once online. */
  async load(): Promise<void> {
    const kept = (await this.options.store.list()).sort((a, b) => a.queuedAt - b.queuedAt);
    const known = new Set(this.items.map((i) => i.clientMsgId));
    for (const item of kept) {
      if (known.has(item.clientMsgId)) continue;
      if (item.envelope) this.envelopes.set(item.clientMsgId, item.envelope);
      this.items.push(toPending(item));
    }
    this.items.sort((a, b) => a.queuedAt - b.queuedAt);
    this.changed();
    this.flush();
  }

  /**
   * Queues a message (or, with `relation`, an edit, reaction, reply or delete; a delete's text is
   * ignored) and keeps it in the store before resolving; it goes out as soon as the connection allows.
   * Throws `invalid_request` for a blank text (nothing is queued).
   */
  async add(room: { readonly id: string; readonly private: boolean }, text: string, relation?: OutboxRelation): Promise<PendingMessage> {
    if (relation?.type === 'delete') text = '';
    else if (!MessageBody.safeParse(text).success) throw new ChatError('invalid_request', 'a message is not empty');
    const item: PendingMessage = {
      clientMsgId: (this.options.newId ?? (() => crypto.randomUUID()))(),
      roomId: room.id,
      text,
      private: room.private,
      queuedAt: this.options.clock.now(),
      status: 'queued',
      ...(relation ? { relation } : {}),
    };
    // Written at once, but queued in the order typed: a store's writes may finish in any order (a
    // file each), and a message joins the queue only after its write and those of the ones before it.
    const written = this.options.store.put(toRecord(item, undefined));
    const turn = this.adding.then(() => written);
    this.adding = turn.catch(() => undefined);
    await turn;
    this.items = [...this.items, item];
    this.changed();
    this.flush();
    return item;
  }

  /** Resolves with the server's ack of a queued message; rejects with the error that made it fail, or `conflict` if discarded. */
  whenSent(clientMsgId: string): Promise<AckFrame> {
    const item = this.items.find((i) => i.clientMsgId === clientMsgId);
    if (!item) return Promise.reject(new ChatError('not_found', 'no such message waits in the outbox'));
    if (item.status === 'failed' && item.error) return Promise.reject(new ChatError(item.error.code, item.error.message));
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(clientMsgId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(clientMsgId, list);
    });
  }

  /** Whether messages can go now (the socket is connected); going online flushes the queue. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) {
      this.attempt = 0;
      this.flush();
    }
  }

  /**
   * Queues a failed message again. A private one is encrypted afresh when it goes: the server refused
   * the envelope it had (nothing was stored under it), and the room's members may have changed since —
   * a direct message refused because the other person had left is sealed, once they are back, with
   * keys their devices are given; the old envelope's chain never reached them.
   */
  async retry(clientMsgId: string): Promise<void> {
    const item = this.items.find((i) => i.clientMsgId === clientMsgId);
    if (!item || item.status !== 'failed') return;
    const again: PendingMessage = { ...withoutError(item), status: 'queued' };
    // A failed message kept with its envelope (by a version that did not tell the encryption of the
    // refusal) has it forgotten now, unless the failure may have followed a stored message.
    const kept = this.envelopes.get(clientMsgId);
    if (kept && item.error && item.error.code !== 'internal') await this.options.transport.refused(kept, item.error.code).catch(() => undefined);
    this.envelopes.delete(clientMsgId);
    await this.options.store.put(toRecord(again, undefined));
    this.replace(again);
    this.flush();
  }

  /** Drops a queued or failed message (one on the socket already cannot be called back). */
  async discard(clientMsgId: string): Promise<void> {
    const item = this.items.find((i) => i.clientMsgId === clientMsgId);
    if (!item || item.status === 'sending') return;
    await this.options.store.remove(clientMsgId);
    this.drop(clientMsgId);
    this.settle(clientMsgId, (w) => w.reject(new ChatError('conflict', 'the message was discarded before it was sent')));
  }

  /** Stops retrying (the client is closing); what is queued stays in the store. */
  stop(): void {
    this.online = false;
    if (this.retryTimer !== null) this.options.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Sends queued messages in order, one preparation at a time, so frames leave in the order typed. */
  private flush(): void {
    if (!this.online) return;
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    this.flushAgain = false;
    void this.drain().finally(() => {
      this.flushing = false;
      // Something asked while the queue was draining (an ack a waiting delete needs): look again.
      if (this.flushAgain) this.flush();
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const item = this.items.find((i) => i.status === 'queued');
      if (!item || !this.online) return;
      // A delete waits for the sends before it (each ack flushes again), and nothing passes it.
      if (item.relation?.type === 'delete') {
        if (this.items.slice(0, this.items.indexOf(item)).some((i) => i.status === 'sending')) return;
        if (!(await this.remove(item))) return;
        continue;
      }
      const sending: PendingMessage = { ...item, status: 'sending' };
      this.replace(sending);
      let ack: Promise<AckFrame>;
      try {
        ({ ack } = await this.transmit(sending));
      } catch (error) {
        const chat = asChatError(error);
        if (TRANSIENT.has(chat.code)) {
          this.replace({ ...sending, status: 'queued' });
          this.scheduleRetry();
          return;
        }
        await this.fail(sending, chat);
        continue;
      }
      ack.then(
        (frame) => void this.onAck(sending, frame),
        (error: unknown) => void this.onRefused(sending, asChatError(error)),
      );
    }
  }

  /**
   * Sends a queued delete and waits for the answer: true when it is done (or was already), false when
   * it waits for the server to be back (a retry is scheduled); a refusal for good marks it failed.
   */
  private async remove(item: PendingMessage): Promise<boolean> {
    const relation = item.relation as OutboxRelation;
    const sending: PendingMessage = { ...item, status: 'sending' };
    this.replace(sending);
    let ack: AckFrame;
    try {
      const done = await this.options.transport.deleteMessage(item.roomId, relation.seq);
      ack = { type: 'ack', roomId: item.roomId, clientMsgId: item.clientMsgId, id: done.id, seq: done.seq };
    } catch (error) {
      const chat = asChatError(error);
      if (chat.code === 'conflict') {
        // Already deleted: by this very request before its answer was lost, or by someone else.
        ack = { type: 'ack', roomId: item.roomId, clientMsgId: item.clientMsgId, id: relation.eventId, seq: 0, duplicate: true };
      } else if (TRANSIENT.has(chat.code)) {
        this.replace({ ...sending, status: 'queued' });
        this.scheduleRetry();
        return false;
      } else {
        await this.fail(sending, chat);
        return true;
      }
    }
    await this.onAck(sending, ack);
    return true;
  }

  /** Encrypts a private message the first time it is flushed (and keeps the envelope), then hands it to the socket. */
  private async transmit(item: PendingMessage): Promise<{ ack: Promise<AckFrame> }> {
    const { transport, store } = this.options;
    const relatesTo: RelatesTo | undefined = item.relation && item.relation.type !== 'delete' ? { type: item.relation.type, eventId: item.relation.eventId } : undefined;
    if (!item.private) {
      fitsOneFrame(item, { body: item.text }, relatesTo);
      return { ack: transport.sendBody(item.roomId, item.text, item.clientMsgId, relatesTo) };
    }
    let envelope = this.envelopes.get(item.clientMsgId);
    if (!envelope) {
      envelope = await transport.encrypt(item.roomId, item.text, item.clientMsgId);
      this.envelopes.set(item.clientMsgId, envelope);
      await store.put(toRecord(item, envelope));
    }
    fitsOneFrame(item, { envelope }, relatesTo);
    return { ack: transport.sendEnvelope(item.roomId, envelope, relatesTo) };
  }

  private async onAck(item: PendingMessage, ack: AckFrame): Promise<void> {
    await this.options.store.remove(item.clientMsgId);
    this.envelopes.delete(item.clientMsgId);
    this.drop(item.clientMsgId);
    this.emit('sent', { item, ack });
    this.settle(item.clientMsgId, (w) => w.resolve(ack));
    // A delete waiting for this ack may go now.
    this.flush();
  }

  private async onRefused(item: PendingMessage, error: ChatError): Promise<void> {
    if (error.code === 'unavailable') {
      // The socket was closed for good before the ack: the message waits until the client is online again.
      this.replace({ ...item, status: 'queued' });
      return;
    }
    const envelope = this.envelopes.get(item.clientMsgId);
    // An `internal` answer may have come after the message was stored: like a lost answer, its retry
    // sends the same envelope (the server dedupes it). Any other refusal stored nothing: a retry
    // seals anew for the members of then (`key_reused`: under a new chain).
    if (envelope && error.code !== 'internal') {
      await this.options.transport.refused(envelope, error.code).catch(() => undefined);
      this.envelopes.delete(item.clientMsgId);
    }
    await this.fail(item, error);
  }

  private async fail(item: PendingMessage, error: ChatError): Promise<void> {
    const failed: PendingMessage = { ...item, status: 'failed', error: { code: error.code, message: error.message } };
    await this.options.store.put(toRecord(failed, this.envelopes.get(item.clientMsgId)));
    this.replace(failed);
    this.settle(item.clientMsgId, (w) => w.reject(error));
    this.flush();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    const delay = backoffDelay(this.attempt, this.options.random ?? Math.random, this.options.backoff ?? DEFAULT_BACKOFF);
    this.attempt += 1;
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, delay);
  }

  private replace(item: PendingMessage): void {
    this.items = this.items.map((i) => (i.clientMsgId === item.clientMsgId ? item : i));
    this.changed();
  }

  private drop(clientMsgId: string): void {
    this.items = this.items.filter((i) => i.clientMsgId !== clientMsgId);
    this.changed();
  }

  private settle(clientMsgId: string, f: (w: { resolve: (ack: AckFrame) => void; reject: (error: ChatError) => void }) => void): void {
    const list = this.waiters.get(clientMsgId) ?? [];
    this.waiters.delete(clientMsgId);
    for (const w of list) f(w);
  }

  private changed(): void {
    this.emit('change', this.items);
  }
}

/**
 * Throws `message_too_large` for a message whose `send` frame the server would not take: it closes a
 * socket that sends a frame over WS_MAX_PAYLOAD, and the message would be re-sent after every reconnect.
 */
function fitsOneFrame(item: PendingMessage, payload: { body: string } | { envelope: Envelope }, relatesTo: RelatesTo | undefined): void {
  // A private message within the length limit can still be too long once encrypted (each character of
  // a CJK text is three bytes, and the ciphertext is base64url): the server would refuse its envelope.
  if ('envelope' in payload && payload.envelope.ct.length > MAX_ENVELOPE_CT) {
    throw new ChatError('message_too_large', `the message is too long once encrypted (${payload.envelope.ct.length} characters of ciphertext; at most ${MAX_ENVELOPE_CT}): split it`);
  }
  const frame = JSON.stringify({ type: 'send', roomId: item.roomId, clientMsgId: item.clientMsgId, ...payload, ...(relatesTo ? { relatesTo } : {}) });
  const bytes = new TextEncoder().encode(frame).length;
  if (bytes > WS_MAX_PAYLOAD) throw new ChatError('message_too_large', `the message is too large to send (${bytes} bytes as sent; at most ${WS_MAX_PAYLOAD})`);
}

function asChatError(error: unknown): ChatError {
  return error instanceof ChatError ? error : new ChatError('internal', error instanceof Error ? error.message : String(error), { cause: error });
}

function withoutError(item: PendingMessage): PendingMessage {
  const { error: _error, ...rest } = item;
  return rest;
}

function toPending(item: OutboxItem): PendingMessage {
  const base = { clientMsgId: item.clientMsgId, roomId: item.roomId, text: item.text, private: item.private, queuedAt: item.queuedAt, ...(item.relation ? { relation: item.relation } : {}) };
  return item.failed ? { ...base, status: 'failed', error: item.failed } : { ...base, status: 'queued' };
}

function toRecord(item: PendingMessage, envelope: Envelope | undefined): OutboxItem {
  return {
    clientMsgId: item.clientMsgId,
    roomId: item.roomId,
    private: item.private,
    text: item.text,
    queuedAt: item.queuedAt,
    ...(envelope ? { envelope } : {}),
    ...(item.status === 'failed' && item.error ? { failed: item.error } : {}),
    ...(item.relation ? { relation: item.relation } : {}),
  };
}
