import type { MessageView, ReactionCount, ReplyQuote } from '../../../shared/client/index.js';
import { plainText } from '../../../shared/text/markdown.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import { cn } from '../lib/cn.js';
import { Markdown } from './markdown.js';
import { Untrusted } from './untrusted-text.js';

/** How long a reply's quote may be before it is cut, in characters (the quote is one line). */
const QUOTE_CHARS = 120;

/** What a reaction chip says to a screen reader and in its tooltip: "👍 2: alice, bob" (with "you" for this user). */
export function reactionLabel(reaction: ReactionCount, me: string): string {
  const who = reaction.senders.map((name) => (name === me ? 'you' : name));
  return neutralize(`${reaction.key} ${reaction.count}: ${who.join(', ')}`);
}

/**
 * The one-line quote of a reply: its sender and the start of the latest text, or why there is none:
 * `unreadable` for a loaded target whose text did not open (what that message itself shows).
 */
function quoteText(quote: ReplyQuote, unreadable: string | undefined): string {
  if (quote.deleted) return 'message deleted';
  if (quote.text === null && quote.source !== undefined && unreadable !== undefined) return unreadable;
  if (quote.text === null) return quote.sender ? 'message not loaded' : `message #${quote.seq}`;
  const line = plainText(quote.text);
  return line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}…` : line;
}

/** Props of {@link MessageBody}. */
export interface MessageBodyProps {
  readonly view: MessageView;
  /** This user's name: mentions of it are highlighted, and their reactions marked. */
  readonly me: string;
  /** What to show when the text cannot be read (yet): "decrypting…" or why a private message cannot be opened. */
  readonly unreadable: string;
  /** Toggles this user's reaction with that emoji (a chip is a toggle button). */
  readonly onToggleReaction?: ((key: string) => void) | undefined;
}

/**
 * The quote above a reply: who wrote the message it answers and the start of its latest text (plain,
 * one line), or "message deleted"; a button that brings that message into view. `unreadable` is what
 * the quoted text's event (`quote.source`) shows when it did not open ("decrypting…", or why), so the
 * quote says what its target says rather than "message not loaded".
 */
export function ReplyQuoteButton({
  quote,
  onQuote,
  unreadable,
}: {
  readonly quote: ReplyQuote;
  readonly onQuote?: ((quote: ReplyQuote) => void) | undefined;
  readonly unreadable?: string | undefined;
}) {
  return (
    <button
      type="button"
      className="reply-quote mb-0.5 flex max-w-full min-w-0 cursor-pointer items-baseline gap-1 border-l-2 border-line pl-2 text-left text-sm text-dim hover:text-fg"
      title="Show the message"
      onClick={() => onQuote?.(quote)}
    >
      <span aria-hidden="true">↪</span>
      <span className="sr-only">
        <Untrusted text={`Reply to ${quote.sender ?? 'a message'}: `} />
      </span>
      <strong className="shrink-0" aria-hidden="true">
        <Untrusted text={quote.sender ?? 'a message'} />
      </strong>
      <span className={cn('truncate', quote.deleted && 'italic')}>
        <Untrusted text={quoteText(quote, unreadable)} />
      </span>
    </button>
  );
}

/**
 * A message as people expect to see it, relations applied (shared/client/relations.ts): the latest
 * text with its formatting
 * ({@link Markdown}), "(edited)" after an edited one, or a "message deleted" tombstone; then its
 * reactions as chips (emoji and count, pressed when this user gave it, named with who did). This
 * user's edit, delete or reaction still in the outbox shows as "(edit pending)" with the new text,
 * "(delete pending)", or a dashed chip marked "…" and "(pending)".
 */
export function MessageBody({ view, me, unreadable, onToggleReaction }: MessageBodyProps) {
  return (
    <>
      {view.deleted ? (
        <em className="tombstone text-dim">message deleted</em>
      ) : view.pendingText !== undefined ? (
        <Markdown text={view.pendingText} me={me} className="text" />
      ) : view.text === null ? (
        <span className="text">
          <Untrusted text={unreadable} />
        </span>
      ) : (
        <Markdown text={view.text} me={me} className="text" />
      )}
      {view.edited && !view.deleted && view.pendingText === undefined && <span className="edited ml-1 text-xs text-dim">(edited)</span>}
      {view.pendingText !== undefined && !view.deleted && <em className="edit-pending ml-1 text-xs text-dim">(edit pending)</em>}
      {view.pendingDelete && !view.deleted && <em className="delete-pending ml-1 text-xs text-dim">(delete pending)</em>}
      {view.reactions.length > 0 && !view.deleted && (
        <span className="reactions mt-0.5 flex flex-wrap gap-1" role="group" aria-label="Reactions">
          {view.reactions.map((r) => {
            const label = reactionLabel(r, me);
            return (
              <button
                key={r.key}
                type="button"
                className={cn(
                  'reaction inline-flex h-6 cursor-pointer items-center gap-1 rounded-full border px-2 text-sm tabular-nums',
                  r.mineSeq !== null ? 'border-accent bg-panel font-semibold' : 'border-line hover:bg-panel',
                  r.pending && 'border-dashed opacity-75',
                )}
                data-pending={r.pending ? 'true' : undefined}
                aria-pressed={r.mineSeq !== null}
                aria-label={r.pending ? `${label} (pending)` : label}
                title={r.pending ? `${label} (pending)` : label}
                onClick={() => onToggleReaction?.(r.key)}
              >
                <span aria-hidden="true">{neutralize(r.key)}</span>
                <span aria-hidden="true">{r.count}</span>
                {r.pending && <span aria-hidden="true">…</span>}
              </button>
            );
          })}
        </span>
      )}
    </>
  );
}
