import type { E2ESession, Opened } from '../../shared/client/index.js';
import { KEY_RECHECK_MS } from '../../shared/client/index.js';
import type { ChatError, RoomEvent } from '../../shared/protocol/index.js';
import { ChatError as ChatErrorClass } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { warnAboutChangedKeys } from '../e2e-warnings.js';
import { neutralize } from '../output.js';

export interface ReadOptions {
  readonly limit?: number;
  readonly before?: number;
  readonly follow?: boolean;
}

/**
 * `chat read <room> [--limit N] [--before SEQ] [--follow]`: history, oldest first; with --follow it
 * keeps streaming new events (resuming after any disconnect with nothing lost or repeated) until ^C.
 * Private-room messages are decrypted here; one whose key has not arrived says so, and with --follow
 * is shown again once the key comes (or once it is clear the sender did not share it with this device).
 * A replayed copy of a message, or one replayed from another room, is shown as such, not as text.
 */
export async function run(ctx: CliContext, name: string, opts: ReadOptions): Promise<void> {
  if (opts.follow && opts.before !== undefined) throw new ChatErrorClass('invalid_request', '--follow streams from now on; it does not combine with --before');
  const { api, session } = await ctx.signedIn();
  const room = await api.room(name);
  const e2e: E2ESession | undefined = room.visibility === 'private' ? await ctx.e2e(api, session) : undefined;
  if (e2e) await warnAboutChangedKeys(ctx, e2e, room);
  const page = await api.history(room.id, { limit: opts.limit ?? 50, ...(opts.before === undefined ? {} : { before: opts.before }) });

  const open = async (event: RoomEvent): Promise<Opened | undefined> => (e2e && event.envelope ? e2e.open(event) : undefined);
  /** For --json: the event, plus what decrypting it gave. */
  const asData = (event: RoomEvent, opened: Opened | undefined) => (opened ? { ...event, decrypted: opened } : event);
  const print = (event: RoomEvent, opened: Opened | undefined) => (ctx.out.json ? ctx.out.data(asData(event, opened)) : ctx.out.line(ctx.out.event(event, opened)));

  const opened = new Map<string, Opened | undefined>();
  for (const event of page.events) opened.set(event.id, await open(event));

  if (!opts.follow) {
    ctx.out.result({ room, events: page.events.map((e) => asData(e, opened.get(e.id))), headSeq: page.headSeq, hasMore: page.hasMore }, () =>
      page.events.length === 0 ? `#${neutralize(room.name)} has nothing ${opts.before ? `before seq ${opts.before}` : 'yet'}.` : page.events.map((e) => ctx.out.event(e, opened.get(e.id))),
    );
    return;
  }

  const waiting = new Map<string, RoomEvent>();
  for (const event of page.events) {
    const o = opened.get(event.id);
    if (o?.status === 'waiting') waiting.set(event.id, event);
    print(event, o);
  }
  const live = await ctx.live(api);
  const lastSeq = page.events.at(-1)?.seq ?? page.headSeq;
  // Events are printed in order: each waits for the one before it to be opened.
  let chain = Promise.resolve();
  const show = (event: RoomEvent) => {
    chain = chain.then(async () => {
      const o = await open(event);
      if (o?.status === 'waiting') waiting.set(event.id, event);
      print(event, o);
    });
  };
  const retryWaiting = () => {
    chain = chain.then(async () => {
      if (!e2e) return;
      // Shares for this device, or another device's request for ours.
      await e2e.sync();
      for (const [id, event] of waiting) {
        const o = await open(event);
        if (o?.status === 'waiting') continue;
        waiting.delete(id);
        print(event, o);
      }
    });
  };
  await new Promise<void>((resolve, reject) => {
    // A key that never comes: look again now and then, so the message comes to say it was not shared.
    const recheck = setInterval(() => {
      if (waiting.size > 0) retryWaiting();
    }, KEY_RECHECK_MS);
    const finish = (error?: ChatError) => {
      clearInterval(recheck);
      live.stop();
      ctx.io.signal.removeEventListener('abort', onAbort);
      void chain.then(() => (error ? reject(error) : resolve()));
    };
    const onAbort = () => finish();
    ctx.io.signal.addEventListener('abort', onAbort);
    live.on('event', show);
    live.on('shares', retryWaiting);
    live.on('removed', () => finish(new ChatErrorClass('forbidden', `you are no longer a member of #${room.name}`)));
    live.on('error', (error) => {
      if (error.code === 'session_revoked' || error.code === 'unauthorized') finish(error);
      else ctx.out.note(`chat: ${neutralize(error.message)}`);
    });
    let reconnected = false;
    live.on('state', (state) => {
      if (state.status === 'reconnecting') {
        ctx.out.note(`chat: connection lost; reconnecting in ${Math.max(0, Math.round((state.retryAt - Date.now()) / 1000))} s`);
        reconnected = true;
      } else if (state.status === 'connected' && reconnected) {
        ctx.out.note('chat: reconnected');
        retryWaiting();
      }
    });
    live.watch(room.id, lastSeq);
    live.start();
  });
}
