import wrapAnsi from 'wrap-ansi';
import { ChatError } from '../../shared/protocol/index.js';
import { SUMMARY_COLUMNS } from '../../shared/summarize/offline-summarizer.js';
import { fitWidth } from '../../shared/text/fit-width.js';
import type { Summary, SummaryType } from '../../shared/protocol/index.js';
import type { CliContext } from '../context.js';
import type { Output } from '../output.js';
import { confirm } from '../node/terminal-input.js';
import { neutralize, senderStyle } from '../output.js';
import { summarizeRoom } from '../room-summary.js';
import { StreamWrapper } from '../stream-wrap.js';
import { providerFailureParts } from '../../shared/summarize/summarize.js';
import { roomName } from '../room-ref.js';
import { parseSince } from '../../shared/text/time-input.js';

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
  // The room as the user knows it: `@peer` for a direct message (never its stored `dm-…` name).
  const title = await roomName(api, room, session.user.username, name);
  if (room.role === null) throw new ChatError('forbidden', `you are not a member of ${title}; join it first`);

  // On a terminal the offline summary's quotes fit its width (within 20 to 1000 columns); elsewhere 100.
  const { columns } = ctx.io.stdout;
  const width = ctx.io.stdout.isTTY && !ctx.out.json && columns ? Math.min(1000, Math.max(20, columns)) : undefined;
  // A model's answer streamed to a terminal is wrapped at word boundaries as it comes, as the
  // summary printed whole is (wrapTo): the terminal would break words at its edge.
  const wrapper = width === undefined ? undefined : new StreamWrapper(width, (text) => ctx.out.raw(text));
  let wrote = false;
  const { summary, unread, streamed } = await summarizeRoom(
    { api, e2e: () => ctx.e2e(api, session), env: ctx.io.env, config: ctx.config, profileName: ctx.profileName },
    room,
    {
      type,
      since,
      limit,
      title,
      consent: async ({ model, host }) =>
        opts.yes === true ||
        confirm(ctx.io.stdin, ctx.io.stderr, `${title} is end-to-end encrypted. Summarizing it with ${neutralize(model)} sends its decrypted messages to ${neutralize(host)}. Continue?`, ctx.io.signal),
      signal: ctx.io.signal,
      columns: width,
      ...(ctx.out.json
        ? {}
        : {
            onStart: (provider: Summary['provider']) => ctx.out.line(wrapTo(heading(ctx.out, title, provider), width) + '\n'),
            onText: (delta: string) => {
              const text = neutralize(delta, { multiline: true });
              wrote ||= text !== '';
              if (wrapper) wrapper.push(text);
              else ctx.out.raw(text);
            },
          }),
    },
  ).catch((error: unknown) => {
    // What streamed so far stays, its line ended, before the error is said.
    wrapper?.end();
    if (wrote) ctx.out.line();
    throw summaryFailure(error);
  });
  wrapper?.end();
  if (streamed) ctx.out.line();
  if (unread > 0) ctx.out.note(`chat: ${unread} message${unread === 1 ? '' : 's'} left out: their keys have not arrived yet`);
  ctx.out.result({ room: { id: room.id, name: room.name, visibility: room.visibility }, summary }, () => summaryLines(ctx.out, title, summary, streamed, width ?? SUMMARY_COLUMNS, width !== undefined));
}

/**
 * A summary service's failure as the user reads it: for a provider's (`provider_failed`), a plain
 * sentence saying the summary service failed and why, then on a line of its own the provider's own
 * words, neutralized and quoted (cut to SAID_COLUMNS), never pasted raw into the sentence. Other
 * errors pass as they are.
 */
export function summaryFailure(error: unknown): unknown {
  if (!(error instanceof ChatError) || error.code !== 'provider_failed') return error;
  const { what, said } = providerFailureParts(error.message);
  const quoted = said === null || said.trim() === '' ? '' : `\n  it said: “${fitWidth(neutralize(said.trim()), SAID_COLUMNS)}”`;
  return new ChatError('provider_failed', `the summary service failed: ${what}.${quoted}`, { cause: error });
}

/** The most columns of a provider's own error text `chat summarize` quotes. */
const SAID_COLUMNS = 200;

/** `text` wrapped at word boundaries to `columns` terminal columns (each line of it); as it is when `columns` is undefined. */
function wrapTo(text: string, columns: number | undefined): string {
  return columns === undefined ? text : wrapAnsi(text, columns, { trim: false });
}

/** The summary's first line: `title` (the room as named to the user, neutralized) and who made it. */
function heading(out: Output, title: string, provider: Summary['provider']): string {
  const by = provider.kind === 'offline' ? 'offline extractive summary (set OPENAI_API_KEY for an AI summary)' : `by ${neutralize(provider.model)} at ${neutralize(new URL(provider.baseUrl).host)}`;
  return `${out.style('bold', `Summary of ${title}`)} ${out.style('dim', `· ${by}`)}`;
}

/**
 * The human lines of `chat summarize`: the summary (the text itself only if not streamed already),
 * then who said how much and the topics, under `title` (the room as named to the user, neutralized). Each participant's main points are quoted on one line of at
 * most `columns` columns; with `wrap` (a terminal of that width) every other line is wrapped at word
 * boundaries to it, so the terminal does not break words.
 */
export function summaryLines(out: Output, title: string, summary: Summary, streamed: boolean, columns: number, wrap: boolean): string[] {
  const fit = (line: string) => (wrap ? wrapTo(line, columns) : line);
  const lines: string[] = [];
  if (!streamed) lines.push(fit(heading(out, title, summary.provider)), '', fit(neutralize(summary.text, { multiline: true })));
  if (summary.range.messages === 0) return lines;
  lines.push('', out.style('bold', 'Participants'));
  for (const p of summary.participants) {
    const who = out.style(senderStyle(p.username), neutralize(p.username).padEnd(12));
    const about = p.topics.length ? ` · ${neutralize(p.topics.join(', '))}` : '';
    lines.push(fit(`  ${who} ${String(p.messages).padStart(4)} message${p.messages === 1 ? ' ' : 's'} ${String(Math.round(p.share * 100)).padStart(3)}% of words${about}`));
    for (const point of p.mainPoints) lines.push(`               ${out.style('dim', `“${neutralize(fitWidth(point, Math.max(24, columns - 17)))}”`)}`);
  }
  if (summary.topics.length) lines.push('', fit(`${out.style('bold', 'Topics')}: ${neutralize(summary.topics.join(', '))}`));
  if (summary.usage) lines.push(out.style('dim', `${summary.usage.totalTokens} tokens in ${summary.chunks} part${summary.chunks === 1 ? '' : 's'}`));
  return lines;
}
