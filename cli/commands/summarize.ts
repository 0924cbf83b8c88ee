import { ChatError } from '../../shared/protocol/index.js';
import { SUMMARY_COLUMNS } from '../../shared/summarize/offline-summarizer.js';
import { fitWidth } from '../../shared/text/fit-width.js';
import type { Room, Summary, SummaryType } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import { confirm } from '../node/terminal-input.js';
import { neutralize, senderStyle } from '../output.js';
import { summarizeRoom } from '../room-summary.js';
import { parseSince } from '../time-input.js';

export interface SummarizeOptions {
  readonly type?: string;
  readonly since?: string;
  readonly limit?: number;
  readonly yes?: boolean;
}

const TYPES: readonly SummaryType[] = ['general', 'detailed', 'bullets', 'topics'];

/**
 * `chat summarize <room> [--type T] [--since DATE] [--limit N] [--yes]`: open rooms by the server,
 * private rooms on this device (see room-summary.ts), a model's answer streamed as it comes.
 */
export async function run(ctx: CliContext, name: string, opts: SummarizeOptions): Promise<void> {
  const type = (opts.type ?? 'general') as SummaryType;
  if (!TYPES.includes(type)) throw new ChatError('invalid_request', `--type: "${opts.type}" is not one of ${TYPES.join(', ')}`);
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const limit = opts.limit ?? 500;
  if (limit > 5000) throw new ChatError('invalid_request', '--limit: at most 5000 messages');
  const { api, session } = await ctx.signedIn();
  const room = await ctx.room(api, session, name);
  if (room.role === null) throw new ChatError('forbidden', `you are not a member of #${room.name}; join it first`);

  // On a terminal the offline summary's quotes fit its width (within 20 to 1000 columns); elsewhere 100.
  const { columns } = ctx.io.stdout;
  const width = ctx.io.stdout.isTTY && !ctx.out.json && columns ? Math.min(1000, Math.max(20, columns)) : undefined;
  const { summary, unread, streamed } = await summarizeRoom(
    { api, e2e: () => ctx.e2e(api, session), env: ctx.io.env, config: ctx.config, profileName: ctx.profileName },
    room,
    {
      type,
      since,
      limit,
      consent: async ({ model, host }) =>
        opts.yes === true ||
        confirm(ctx.io.stdin, ctx.io.stderr, `#${neutralize(room.name)} is end-to-end encrypted. Summarizing it with ${neutralize(model)} sends its decrypted messages to ${neutralize(host)}. Continue?`, ctx.io.signal),
      signal: ctx.io.signal,
      columns: width,
      ...(ctx.out.json
        ? {}
        : {
            onStart: (provider: Summary['provider']) => ctx.out.line(heading(ctx, room, provider) + '\n'),
            onText: (delta: string) => ctx.out.raw(neutralize(delta, { multiline: true })),
          }),
    },
  );
  if (streamed) ctx.out.line();
  if (unread > 0) ctx.out.note(`chat: ${unread} message${unread === 1 ? '' : 's'} left out: their keys have not arrived yet`);
  print(ctx, room, summary, streamed, width ?? SUMMARY_COLUMNS);
}

function heading(ctx: CliContext, room: Room, provider: Summary['provider']): string {
  const by = provider.kind === 'offline' ? 'offline extractive summary (set OPENAI_API_KEY for an AI summary)' : `by ${neutralize(provider.model)} at ${neutralize(new URL(provider.baseUrl).host)}`;
  return `${ctx.out.style('bold', `Summary of #${neutralize(room.name)}`)} ${ctx.out.style('dim', `· ${by}`)}`;
}

/**
 * The summary, then who said how much and the topics; the text itself only if not streamed already.
 * Each participant's main points are quoted on one line of at most `columns` columns.
 */
function print(ctx: CliContext, room: Room, summary: Summary, streamed: boolean, columns: number): void {
  ctx.out.result({ room: { id: room.id, name: room.name, visibility: room.visibility }, summary }, () => {
    const lines: string[] = [];
    if (!streamed) lines.push(heading(ctx, room, summary.provider), '', neutralize(summary.text, { multiline: true }));
    if (summary.range.messages === 0) return lines;
    lines.push('', ctx.out.style('bold', 'Participants'));
    for (const p of summary.participants) {
      const who = ctx.out.style(senderStyle(p.username), neutralize(p.username).padEnd(12));
      const about = p.topics.length ? ` · ${neutralize(p.topics.join(', '))}` : '';
      lines.push(`  ${who} ${String(p.messages).padStart(4)} message${p.messages === 1 ? ' ' : 's'} ${String(Math.round(p.share * 100)).padStart(3)}% of words${about}`);
      for (const point of p.mainPoints) lines.push(`               ${ctx.out.style('dim', `“${neutralize(fitWidth(point, Math.max(24, columns - 17)))}”`)}`);
    }
    if (summary.topics.length) lines.push('', `${ctx.out.style('bold', 'Topics')}: ${neutralize(summary.topics.join(', '))}`);
    if (summary.usage) lines.push(ctx.out.style('dim', `${summary.usage.totalTokens} tokens in ${summary.chunks} part${summary.chunks === 1 ? '' : 's'}`));
    return lines;
  });
}
