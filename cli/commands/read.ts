import type { E2ESession, MessageView, Opened } from '../../shared/client/index.js';
import { ChatModel, MemoryOutboxStore, applyRelations, removalText } from '../../shared/client/index.js';
import type { ChatError, RoomEvent } from '../../shared/protocol/index.js';
import { ChatError as ChatErrorClass } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { warnAboutChangedKeys } from '../e2e-warnings.js';
import { tellAddedDevice } from './devices.js';
import { neutralize } from '../output.js';
import { roomName } from '../room-ref.js';
import type { Output } from '../output.js';

export interface ReadOptions {
  readonly limit?: number;
  readonly before?: number;
  readonly follow?: boolean;
  /** Move this user's read marker (on the server, for every device) to what was shown; default true (`--no-mark-read`). */
  readonly markRead?: boolean;
}

/**
 * `chat read <room> [--limit N] [--before SEQ] [--follow]`: history, oldest first (the newest N messages,
 * with the edits, reactions and deletes among them: N counts messages, not events), read and decrypted
 * through the shared client model (the TUI's and the web's); with --follow it follows the room through
 * that model and keeps streaming new
 * events (resuming after any disconnect with nothing lost or repeated) until ^C.
 * Private-room messages are decrypted here; one whose key has not arrived says so, and with --follow
 * is shown again once the key comes (or once it is clear this device was never given it).
 * A replayed copy of a message, or one replayed from another room, is shown as such, not as text.
 */
export async function run(ctx: CliContext, name: string, opts: ReadOptions): Promise<void> {
  if (opts.follow && opts.before !== undefined) throw new ChatErrorClass('invalid_request', '--follow streams from now on; it does not combine with --before');
  const { api, session } = await ctx.signedIn();
  const room = await ctx.room(api, session, name);
  // The room as the user knows it: `@peer` for a direct message (never its stored `dm-…` name).
  const title = await roomName(api, room, session.user.username, name);
  const e2e: E2ESession | undefined = room.visibility === 'private' ? await ctx.e2e(api, session) : undefined;
  if (e2e) await warnAboutChangedKeys(ctx, e2e, room);
  /** For --json: the event, plus what decrypting it gave. */
  const asData = (event: RoomEvent, opened: Opened | undefined) => (opened ? { ...event, decrypted: opened } : event);
  const print = (event: RoomEvent, opened: Opened | undefined) => (ctx.out.json ? ctx.out.data(asData(event, opened)) : ctx.out.line(ctx.out.event(event, opened)));

  // The shared client model (the TUI's and the web's): one page through its history and decryption,
  // or, with --follow, the room followed on the socket.
  const live = await ctx.live(api);
  const model = new ChatModel({
    api,
    live,
    ...(e2e ? { e2e } : {}),
    user: session.user,
    outbox: new MemoryOutboxStore(),
    readPositions: {},
    saveReadPosition: () => undefined,
    pageSize: opts.limit ?? 50,
    // --limit N counts messages when following too, as a page read does: relations do not eat it.
    firstPageCountsMessages: true,
    listRooms: async () => [room],
  });

  if (!opts.follow) {
    const { page, opened: openedById, quoted, later } = await model.readPage(room.id, opts.before === undefined ? {} : { before: opts.before });
    // Only a private room's messages are opened (an open room's are plain text).
    const opened = (event: RoomEvent) => (e2e && event.envelope ? openedById.get(event.id) : undefined);
    // A page back (--before) folds in the edits, reactions and deletes after it too (`later`).
    const { byId, lines } = historyLines(ctx.out, page.events, e2e ? openedById : new Map(), quoted, session.user.id, later);
    const withView = (e: RoomEvent) => {
      const v = byId.get(e.id);
      return v ? { ...asData(e, opened(e)), text: v.text, edited: v.edited, deleted: v.deleted, reactions: v.reactions, replyTo: v.replyTo } : asData(e, opened(e));
    };
    ctx.out.result({ room, events: page.events.map(withView), headSeq: page.headSeq, hasMore: page.hasMore }, () =>
      lines.length === 0 ? `${title} has nothing ${opts.before ? `before seq ${opts.before}` : 'yet'}.` : lines,
    );
    const last = page.events.at(-1)?.seq;
    if (opts.markRead !== false && opts.before === undefined && last !== undefined) await api.setReadMarker(room.id, last).catch(() => undefined);
    return;
  }

  // Following: the history it starts with is read and printed as plain `chat read` prints a page (the
  // same readPage and historyLines: relations folded into their messages, the quotes of replies fetched,
  // every message opened); after it, each new event in seq order as it opens, one a line, and a message
  // printed as waiting is printed again once it opens. With --json, every event one a line from the start.
  let printedSeq = 0;
  let started = false;
  /** What each private message was printed as: one printed as waiting is printed again once it opens. */
  const printedAs = new Map<string, Opened['status']>();
  const printHistory = async () => {
    if (ctx.out.json) return;
    const { page, opened, quoted } = await model.readPage(room.id);
    for (const line of historyLines(ctx.out, page.events, e2e ? opened : new Map(), quoted, session.user.id).lines) ctx.out.line(line);
    for (const e of page.events) {
      const o = e2e && e.envelope ? opened.get(e.id) : undefined;
      if (o) printedAs.set(e.id, o.status);
    }
    printedSeq = page.events.at(-1)?.seq ?? 0;
  };
  const pump = () => {
    if (!started) return;
    const { timelines, opened } = model.getSnapshot();
    for (const event of timelines.get(room.id)?.events ?? []) {
      const o = event.envelope && e2e ? opened.get(event.id) : undefined;
      if (event.seq <= printedSeq) {
        if (printedAs.get(event.id) === 'waiting' && o && o.status !== 'waiting') {
          printedAs.set(event.id, o.status);
          print(event, o);
        }
        continue;
      }
      // Events are printed in order: each waits for the one before it to be opened.
      if (event.envelope && e2e && !o) return;
      printedSeq = event.seq;
      if (o) printedAs.set(event.id, o.status);
      print(event, o);
    }
    if (opts.markRead !== false && printedSeq > markedSeq) {
      markedSeq = printedSeq;
      void api.setReadMarker(room.id, printedSeq).catch(() => undefined);
    }
  };
  let markedSeq = 0;
  await new Promise<void>((resolve, reject) => {
    const offs: (() => void)[] = [];
    const finish = (error?: ChatError) => {
      for (const off of offs.splice(0)) off();
      model.stop();
      ctx.io.signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish();
    ctx.io.signal.addEventListener('abort', onAbort);
    offs.push(
      model.subscribe(pump),
      // A new device of this account is told about at once, with when and from where.
      live.on('devices', (e) => e.added && tellAddedDevice(ctx, e.added)),
      live.on('removed', () => {
        const removal = model.removalOf(room.id);
        finish(new ChatErrorClass('forbidden', removal ? removalText(removal) : `you are no longer a member of ${title}`));
      }),
      live.on('error', (error) => {
        if (error.code === 'session_revoked' || error.code === 'unauthorized') finish(error);
        else ctx.out.note(`chat: ${neutralize(error.message)}`);
      }),
    );
    let reconnected = false;
    offs.push(
      live.on('state', (state) => {
        if (state.status === 'reconnecting') {
          ctx.out.note(reconnectNote(state, Date.now()));
          reconnected = true;
        } else if (state.status === 'connected' && reconnected) {
          ctx.out.note('chat: reconnected');
        }
      }),
    );
    // The page first: its quotes fetched and awaited (the model's start asks for them again only when
    // they are not in yet); the events after it come with the followed timeline.
    printHistory()
      .then(() => model.start())
      .then(
        () => {
          started = true;
          pump();
        },
        (error: unknown) => finish(error instanceof ChatErrorClass ? error : new ChatErrorClass('internal', String(error))),
      );
  });
}

/**
 * What `chat read --follow` says on stderr while it reconnects: the first retry says the connection was
 * lost, each later one that there is still none (one loss, not several), with the wait in whole seconds
 * (`retryAt` and `now` in ms since the epoch).
 */
export function reconnectNote(state: { readonly attempt: number; readonly retryAt: number }, now: number): string {
  const seconds = Math.max(0, Math.round((state.retryAt - now) / 1000));
  return state.attempt <= 1 ? `chat: connection lost; reconnecting in ${seconds} s` : `chat: still no connection; retrying in ${seconds} s`;
}

/**
 * A page of history as `chat read` prints it, and as `chat read --follow` prints the history it starts
 * with, so both label the same events alike: relations (edits, deletes, reactions, replies) folded
 * into the messages they name (shared/client/relations.ts), membership events as they came. `openedById`
 * holds what decrypting each private message gave (by event id); `quoted` holds the
 * messages that replies answer from before the page; `later` the relations after the page of its
 * messages (a page read back, see ChatModel.readPage), folded in but not printed. Answers the folded
 * views (by event id) and the lines (none for an empty page).
 */
export function historyLines(
  out: Output,
  events: readonly RoomEvent[],
  openedById: ReadonlyMap<string, Opened>,
  quoted: ReadonlyMap<string, RoomEvent>,
  me: string,
  later: readonly RoomEvent[] = [],
): { readonly byId: ReadonlyMap<string, MessageView>; readonly lines: string[] } {
  const opened = (e: RoomEvent) => (e.envelope ? openedById.get(e.id) : undefined);
  const contentOf = (e: RoomEvent): string | null => {
    if (!e.envelope) return e.body;
    const o = opened(e);
    return o?.status === 'ok' ? o.body : null;
  };
  // A reply to a message before the page quotes it as fetched on its own.
  const { byId } = applyRelations([...events, ...later], me, contentOf, [], quoted);
  const lines = events
    .filter((e) => e.kind !== 'message' || byId.has(e.id))
    .map((e) => {
      const v = byId.get(e.id);
      const source = v?.replyTo?.source;
      // The quote of a text that did not open says what that message says.
      const quoteOpened = source !== undefined ? openedById.get(source) : undefined;
      return v ? out.messageView(v, opened(e), quoteOpened) : out.event(e, opened(e));
    });
  return { byId, lines };
}
