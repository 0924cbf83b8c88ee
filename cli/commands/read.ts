import type { ChatError, RoomEvent } from '../../shared/protocol/index.js';
import { ChatError as ChatErrorClass } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';

export interface ReadOptions {
  readonly limit?: number;
  readonly before?: number;
  readonly follow?: boolean;
}

/**
 * `chat read <room> [--limit N] [--before SEQ] [--follow]`: history, oldest first; with --follow it
 * keeps streaming new events (resuming after any disconnect with nothing lost or repeated) until ^C.
 */
export async function run(ctx: CliContext, name: string, opts: ReadOptions): Promise<void> {
  if (opts.follow && opts.before !== undefined) throw new ChatErrorClass('invalid_request', '--follow streams from now on; it does not combine with --before');
  const { api } = await ctx.signedIn();
  const room = await api.room(name);
  const page = await api.history(room.id, { limit: opts.limit ?? 50, ...(opts.before === undefined ? {} : { before: opts.before }) });
  const print = (event: RoomEvent) => (ctx.out.json ? ctx.out.data(event) : ctx.out.line(ctx.out.event(event)));

  if (!opts.follow) {
    ctx.out.result({ room, events: page.events, headSeq: page.headSeq, hasMore: page.hasMore }, () =>
      page.events.length === 0 ? `#${room.name} has nothing ${opts.before ? `before seq ${opts.before}` : 'yet'}.` : page.events.map((e) => ctx.out.event(e)),
    );
    return;
  }

  for (const event of page.events) print(event);
  const live = await ctx.live(api);
  const lastSeq = page.events.at(-1)?.seq ?? page.headSeq;
  await new Promise<void>((resolve, reject) => {
    const finish = (error?: ChatError) => {
      live.stop();
      ctx.io.signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish();
    ctx.io.signal.addEventListener('abort', onAbort);
    live.on('event', print);
    live.on('removed', () => finish(new ChatErrorClass('forbidden', `you are no longer a member of #${room.name}`)));
    live.on('error', (error) => {
      if (error.code === 'session_revoked' || error.code === 'unauthorized') finish(error);
      else ctx.out.note(`chat: ${error.message}`);
    });
    live.on('state', (state) => {
      if (state.status === 'reconnecting') {
        ctx.out.note(`chat: connection lost; reconnecting in ${Math.max(0, Math.round((state.retryAt - Date.now()) / 1000))} s`);
      } else if (state.status === 'connected' && reconnected) {
        ctx.out.note('chat: reconnected');
      }
      if (state.status === 'reconnecting') reconnected = true;
    });
    let reconnected = false;
    live.watch(room.id, lastSeq);
    live.start();
  });
}
