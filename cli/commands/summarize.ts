import { privateConversation } from '../../shared/client/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import type { Room, Summary, SummaryType } from '../../shared/protocol/index.js';
import { isLocalUrl, summarize } from '../../shared/summarize/index.js';
import type { CliContext } from '../context.js';
import { modelFromEnv } from '../node/ai-model.js';
import { confirm } from '../node/terminal-input.js';
import { neutralize, senderStyle } from '../output.js';
import { parseSince } from '../time-input.js';

export interface SummarizeOptions {
  readonly type?: string;
  readonly since?: string;
  readonly limit?: number;
  readonly yes?: boolean;
}

const TYPES: readonly SummaryType[] = ['general', 'detailed', 'bullets', 'topics'];

/**
 * `chat summarize <room> [--type T] [--since DATE] [--limit N] [--yes]`. Open rooms are summarized
 * by the server (its provider, or offline). Private rooms are decrypted and summarized here: with
 * the user's own provider (OPENAI_API_KEY / OPENAI_BASE_URL) only after they agree, once per room,
 * to send the plaintext there — unless the provider runs on this machine — and offline otherwise.
 */
export async function run(ctx: CliContext, name: string, opts: SummarizeOptions): Promise<void> {
  const type = (opts.type ?? 'general') as SummaryType;
  if (!TYPES.includes(type)) throw new ChatError('invalid_request', `--type: "${opts.type}" is not one of ${TYPES.join(', ')}`);
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const limit = opts.limit ?? 500;
  if (limit > 5000) throw new ChatError('invalid_request', '--limit: at most 5000 messages');
  const { api, session } = await ctx.signedIn();
  const room = await api.room(name);
  if (room.role === null) throw new ChatError('forbidden', `you are not a member of #${room.name}; join it first`);

  if (room.visibility === 'open') {
    const summary = await api.summarize(room.id, { type, limit, ...(since ? { since } : {}) });
    print(ctx, room, summary, false);
    return;
  }

  const model = modelFromEnv(ctx.io.env);
  if (model && !isLocalUrl(model.baseUrl) && !ctx.config.hasAiConsent(ctx.profileName, room.id, model.baseUrl)) {
    const host = new URL(model.baseUrl).host;
    const agreed =
      opts.yes === true ||
      (await confirm(ctx.io.stdin, ctx.io.stderr, `#${room.name} is end-to-end encrypted. Summarizing it with ${model.model} sends its decrypted messages to ${host}. Continue?`));
    if (!agreed) {
      throw new ChatError(
        'invalid_request',
        `not sending #${room.name}'s messages to ${host}: agree with --yes (asked once per room), or unset OPENAI_API_KEY for the offline summary that stays on this device`,
      );
    }
    ctx.config.setAiConsent(ctx.profileName, room.id, model.baseUrl);
  }
  const e2e = await ctx.e2e(api, session);
  const { lines, unread } = await privateConversation(api, e2e, room.id, { since, limit });
  if (unread > 0) ctx.out.note(`chat: ${unread} message${unread === 1 ? '' : 's'} left out: their keys have not arrived yet`);
  const streaming = !ctx.out.json && model !== undefined && lines.length > 0;
  if (streaming) ctx.out.line(heading(ctx, room, { kind: 'openai', model: model.model, baseUrl: model.baseUrl }) + '\n');
  const summary = await summarize(lines, type, {
    ...(model ? { model } : {}),
    signal: ctx.io.signal,
    ...(streaming ? { onText: (delta: string) => ctx.out.raw(neutralize(delta)) } : {}),
  });
  if (streaming) ctx.out.line();
  print(ctx, room, summary, streaming);
}

function heading(ctx: CliContext, room: Room, provider: Summary['provider']): string {
  const by = provider.kind === 'offline' ? 'offline extractive summary (set OPENAI_API_KEY for an AI summary)' : `by ${provider.model} at ${new URL(provider.baseUrl).host}`;
  return `${ctx.out.style('bold', `Summary of #${neutralize(room.name)}`)} ${ctx.out.style('dim', `· ${by}`)}`;
}

/** The summary, then who said how much and the topics; the text itself only if not streamed already. */
function print(ctx: CliContext, room: Room, summary: Summary, streamed: boolean): void {
  ctx.out.result({ room: { id: room.id, name: room.name, visibility: room.visibility }, summary }, () => {
    const lines: string[] = [];
    if (!streamed) lines.push(heading(ctx, room, summary.provider), '', neutralize(summary.text));
    if (summary.range.messages === 0) return lines;
    lines.push('', ctx.out.style('bold', 'Participants'));
    for (const p of summary.participants) {
      const who = ctx.out.style(senderStyle(p.username), neutralize(p.username).padEnd(12));
      const about = p.topics.length ? ` · ${neutralize(p.topics.join(', '))}` : '';
      lines.push(`  ${who} ${String(p.messages).padStart(4)} message${p.messages === 1 ? ' ' : 's'} ${String(Math.round(p.share * 100)).padStart(3)}% of words${about}`);
      for (const point of p.mainPoints) lines.push(`               ${ctx.out.style('dim', `“${neutralize(point)}”`)}`);
    }
    if (summary.topics.length) lines.push('', `${ctx.out.style('bold', 'Topics')}: ${neutralize(summary.topics.join(', '))}`);
    if (summary.usage) lines.push(ctx.out.style('dim', `${summary.usage.totalTokens} tokens in ${summary.chunks} part${summary.chunks === 1 ? '' : 's'}`));
    return lines;
  });
}
