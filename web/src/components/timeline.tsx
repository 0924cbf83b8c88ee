import { useCallback, useMemo, useRef, useState } from 'react';
import type { MessageView, Opened, PendingMessage, ReplyQuote } from '../../../shared/client/index.js';
import { openedNotice, pendingText, unopenedEditNotice } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { senderHue } from '../../../shared/text/sender-colour.js';
import { meAction } from '../../../shared/text/action.js';
import { cn } from '../lib/cn.js';
import { timelineItems } from '../timeline/timeline-items.js';
import type { Relations } from '../timeline/use-relations.js';
import { useRelations } from '../timeline/use-relations.js';
import type { TimelineItem } from '../timeline/timeline-items.js';
import { VirtualTimeline } from '../timeline/virtual-timeline.js';
import type { VirtualTimelineControls } from '../timeline/virtual-timeline.js';
import { MessageActions } from './message-actions.js';
import type { MessageActionHandlers } from './message-actions.js';
import { MessageBody, ReplyQuoteButton } from './message-body.js';
import { MessageEditor } from './message-editor.js';
import { Button } from './ui/button.js';
import { localTimeFormatter } from '../../../shared/text/time-format.js';
import { UntrustedLines } from './linked-text.js';
import { Untrusted } from './untrusted-text.js';

/** A message's `HH:MM`, as the TUI and `chat read` write it (shared/text/time-format.ts). */
const time = (ms: number) => localTimeFormatter().time(ms);

function privateText(o: Opened | undefined): string {
  if (!o) return 'decrypting…';
  if (o.status === 'ok') return o.body;
  return o.status === 'waiting' ? `${openedNotice(o)}…` : openedNotice(o);
}

function line(e: RoomEvent, opened: ReadonlyMap<string, Opened>): string {
  switch (e.kind) {
    case 'message':
      return e.envelope ? privateText(opened.get(e.id)) : (e.body ?? '');
    case 'join':
      return 'joined';
    case 'leave':
      return 'left';
    case 'remove':
      return `removed ${e.target?.username ?? 'someone'}`;
  }
}

/** What a message of this user's not yet stored says after its text. */
function pendingNote(p: PendingMessage): string {
  switch (p.status) {
    case 'sending':
      return 'sending…';
    case 'queued':
      return 'pending: sent once connected';
    case 'failed':
      return `not sent: ${p.error?.message ?? 'refused'}`;
    default: {
      const unreachable: never = p.status;
      return String(unreachable);
    }
  }
}

/** A sender's name in their colour (the hue every client gives them: shared/text/sender-colour.ts). */
export function SenderName({ username }: { readonly username: string }) {
  return (
    <strong className={`sender-${senderHue(username)}`} data-hue={senderHue(username)}>
      <Untrusted text={username} />
    </strong>
  );
}

/** What {@link TimelineRowBody} needs besides its item. */
export interface TimelineRowContext {
  readonly opened: ReadonlyMap<string, Opened>;
  /** This user's name, shown on their pending messages. */
  readonly me: string;
  /** Sends a failed message again (by clientMsgId). */
  readonly onRetry?: ((clientMsgId: string) => void) | undefined;
  /** Drops a failed message (by clientMsgId). */
  readonly onDiscard?: ((clientMsgId: string) => void) | undefined;
  /** What a message's toolbar and reaction chips do; without them messages have no actions. */
  readonly actions?: MessageActionHandlers | undefined;
  /** The id of the message being edited in place, if any. */
  readonly editing?: string | null | undefined;
  /** Saves the edit of a message (rejects with the reason it was refused). */
  readonly onSaveEdit?: ((view: MessageView, text: string) => Promise<void>) | undefined;
  readonly onCancelEdit?: (() => void) | undefined;
  /** Brings a reply's quoted message into view. */
  readonly onQuote?: ((quote: ReplyQuote) => void) | undefined;
}

/**
 * The class of a timeline row (a `listitem` of the virtualized list). Rows are measured by their
 * border box, so their spacing is padding, never margin (a margin would overlap the next row).
 */
export function timelineRowClass(item: TimelineItem): string {
  switch (item.kind) {
    case 'day':
      return 'py-2';
    case 'new':
      return 'new-line py-1';
    case 'event':
      return cn('grid grid-cols-[3.75rem_minmax(0,1fr)] gap-x-1 py-0.5 whitespace-pre-wrap [overflow-wrap:anywhere]', item.event.kind === 'message' ? 'message' : 'membership text-dim', item.grouped ? 'pt-0' : 'pt-1');
    case 'pending':
      return cn('message pending grid grid-cols-[3.75rem_minmax(0,1fr)] gap-x-1 py-0.5 whitespace-pre-wrap opacity-75 [overflow-wrap:anywhere]', item.grouped ? 'pt-0' : 'pt-1');
  }
}

/** The data attributes of a timeline row: a pending message's status (`data-status`). */
export function timelineRowData(item: TimelineItem): Record<`data-${string}`, string> {
  return item.kind === 'pending' ? { 'data-status': item.pending.status } : {};
}

/** A message with its relations applied: name, text (or the editor), and its toolbar. */
function MessageRow({ event, view, context }: { readonly event: RoomEvent; readonly view: MessageView; readonly context: TimelineRowContext }) {
  const { actions } = context;
  const editing = context.editing === event.id && view.text !== null;
  // A `/me` action as an action: `* alice waves` (the TUI and chat read show it alike); edited as typed.
  const action = !editing && !view.deleted && view.text !== null ? meAction(view.text) : null;
  return (
    <>
      <time dateTime={event.createdAt} className="pt-0.5 text-xs whitespace-nowrap text-dim tabular-nums">
        {time(Date.parse(event.createdAt))}
      </time>
      <div className={cn('row-text min-w-0', action !== null && 'action')}>
        {view.replyTo && (
          <ReplyQuoteButton
            quote={view.replyTo}
            onQuote={context.onQuote}
            // A quoted text that did not open says what its message says (the opened notice).
            unreadable={view.replyTo.source !== undefined ? privateText(context.opened.get(view.replyTo.source)) : undefined}
          />
        )}
        {action !== null && '* '}
        <SenderName username={event.sender.username} />
        {action !== null ? ' ' : ': '}
        {editing && view.text !== null ? (
          <MessageEditor initial={view.pendingText ?? view.text} onSave={(text) => context.onSaveEdit?.(view, text) ?? Promise.resolve()} onCancel={() => context.onCancelEdit?.()} />
        ) : (
          <MessageBody
            view={action !== null ? { ...view, text: action } : view}
            me={context.me}
            // An edit that did not open: the original text is no longer the message's text.
            unreadable={unopenedEditNotice(view, !event.envelope || context.opened.get(event.id)?.status === 'ok') ?? line(event, context.opened)}
            onToggleReaction={actions ? (key) => actions.onToggleReaction(view, key) : undefined}
          />
        )}
      </div>
      {actions && !editing && <MessageActions view={view} handlers={actions} sender={event.sender.username} />}
    </>
  );
}

/**
 * What goes inside one timeline row: a day separator, the "new messages" line, or a message
 * in two columns (time, then name and text, see {@link timelineRowClass}), so a message's wrapped
 * and continuation lines start under its text. A virtualized list renders these same rows.
 */
export function TimelineRowBody({ item, context }: { readonly item: TimelineItem; readonly context: TimelineRowContext }) {
  switch (item.kind) {
    case 'day':
      return (
        <div className="flex items-center gap-2 text-xs font-semibold text-dim" role="separator" aria-label={item.label}>
          <span className="h-px flex-1 bg-line" />
          {item.label}
          <span className="h-px flex-1 bg-line" />
        </div>
      );
    case 'new':
      return (
        <div className="flex items-center gap-2 text-xs font-semibold text-error" role="separator" aria-label="New messages">
          <span className="h-px flex-1 bg-error" />
          New messages
          <span className="h-px flex-1 bg-error" />
        </div>
      );
    case 'event': {
      const e = item.event;
      const message = e.kind === 'message';
      const view = item.view;
      if (message && view) return <MessageRow event={e} view={view} context={context} />;
      const text = line(e, context.opened);
      const action = message && !e.redacted ? meAction(text) : null;
      return (
        <>
          <time dateTime={e.createdAt} className="pt-0.5 text-xs whitespace-nowrap text-dim tabular-nums">
            {time(Date.parse(e.createdAt))}
          </time>
          <span className="row-text min-w-0">
            {action !== null && '* '}
            <SenderName username={e.sender.username} />
            {message && action === null ? ': ' : ' '}
            <span className="text">{message ? <UntrustedLines text={action ?? text} /> : <Untrusted text={text} />}</span>
          </span>
        </>
      );
    }
    case 'pending': {
      const p = item.pending;
      return (
        <>
          <time dateTime={new Date(p.queuedAt).toISOString()} className="pt-0.5 text-xs whitespace-nowrap text-dim tabular-nums">
            {time(p.queuedAt)}
          </time>
          <span className="row-text min-w-0">
            <SenderName username={context.me} />
            {': '}
            <span className="text">
              <UntrustedLines text={pendingText(p)} />
            </span>{' '}
            <em className={cn('text-sm', p.status === 'failed' ? 'text-error' : 'text-dim')}>({pendingNote(p)})</em>
            {p.status === 'failed' && (
              <span className="ml-1 inline-flex gap-1">
                {context.onRetry && (
                  <Button size="sm" variant="secondary" onClick={() => context.onRetry?.(p.clientMsgId)}>
                    Retry
                  </Button>
                )}
                {context.onDiscard && (
                  <Button size="sm" variant="secondary" onClick={() => context.onDiscard?.(p.clientMsgId)}>
                    Discard
                  </Button>
                )}
              </span>
            )}
          </span>
        </>
      );
    }
  }
}

/** The props of a room's timeline. */
export interface TimelineProps extends TimelineRowContext {
  readonly events: readonly RoomEvent[];
  readonly pending?: readonly PendingMessage[];
  /** The signed-in user: their own messages never start the "new messages" line. */
  readonly user: { readonly id: string; readonly username: string };
  /** Where the user had read up to when the room was opened; the "new messages" line follows it. */
  readonly newAfterSeq: number | null;
  /** Whether older history may remain on the server. */
  readonly more: boolean;
  /**
   * Loads older history (called when scrolled near the top, and again after each answer while the
   * view is still there); a rejection is shown above the timeline, and the next scroll up tries again.
   */
  readonly onOlder: () => Promise<unknown>;
  /** An event id to bring into view and mark (a search hit), once it is loaded. */
  readonly jumpTo?: string | null;
  /** Called once the event of `jumpTo` is in view. */
  readonly onJumped?: (eventId: string) => void;
  /** The events' relations applied, when the page has them already (`useRelations`); computed here otherwise. */
  readonly relations?: Relations;
  /**
   * Told whether the newest message is in view (scrolled to the bottom), first once the timeline has
   * opened (not before: a room opened at its "new messages" line with more below is not read), and
   * again whenever that changes.
   */
  readonly onAtBottomChange?: (atBottom: boolean) => void;
  /**
   * Whether the room's first page of history is in (default true). The timeline opens (at the newest,
   * or at the "new messages" line) with the events it has then; events that come later arrived live,
   * and are followed while the view is at the newest.
   */
  readonly loaded?: boolean;
}

const itemKey = (item: TimelineItem) => item.key;

/** The line above the timeline while older history remains: a hint, that a page is on its way, or why the last load failed. */
function olderNote(error: Error | null, loading: boolean) {
  if (loading) {
    return (
      <p className="m-0 px-3 py-1 text-sm text-dim md:px-4" role="status">
        Loading older messages…
      </p>
    );
  }
  return error ? (
    <p className="m-0 px-3 py-1 text-sm text-warn md:px-4" role="alert">
      Could not load older messages ({error.message}). Scroll up to try again.
    </p>
  ) : (
    <p className="m-0 px-3 py-1 text-sm text-dim md:px-4">Scroll up for older messages</p>
  );
}
const NO_EVENTS: readonly RoomEvent[] = [];

/**
 * The room's events, oldest first, then this user's messages still on their way, with day
 * separators and the "new messages" line ({@link timelineItems}), in a virtualized list
 * (VirtualTimeline: only the rows in view are in the page), opened at the newest, or at the "new
 * messages" line when the newest do not fit below it. Coming near the top loads older
 * history; new ones keep it at the bottom while the user is there, and a "Jump to latest" button
 * shows while they are not. The newest event is also announced in a polite live region (the list
 * itself is not one: its rows come and go as it scrolls).
 */
export function Timeline({ events, opened, pending = [], me, user, newAfterSeq, more, onOlder, onRetry, onDiscard, jumpTo = null, onJumped, onAtBottomChange, loaded = true, relations, actions, editing, onSaveEdit, onCancelEdit, onQuote }: TimelineProps) {
  const controls = useRef<VirtualTimelineControls>(null);
  const [away, setAway] = useState(false);
  // Relations fold into the messages they name (computed here unless the page already has them).
  const own = useRelations(relations ? NO_EVENTS : events, opened, user.id, pending);
  const applied = relations ?? own;
  // Pending edits, reactions and deletes show on their messages; the rest are rows of their own.
  const items = useMemo(
    () => timelineItems(events, pending.filter((p) => !applied.folded.has(p.clientMsgId)), { newAfterSeq, me: user, now: Date.now(), views: applied.byId }),
    [events, pending, newAfterSeq, user, applied],
  );
  const context = useMemo(() => ({ opened, me, onRetry, onDiscard, actions, editing, onSaveEdit, onCancelEdit, onQuote }), [opened, me, onRetry, onDiscard, actions, editing, onSaveEdit, onCancelEdit, onQuote]);
  const last = applied.messages.at(-1);
  const atBottom = useRef(onAtBottomChange);
  atBottom.current = onAtBottomChange;
  // The list says whether the newest is in view once it has opened, and whenever that changes.
  const bottomChanged = useCallback((bottom: boolean) => {
    setAway(!bottom);
    atBottom.current?.(bottom);
  }, []);

  return (
    <div className="timeline-frame">
      <VirtualTimeline
        items={items}
        itemKey={itemKey}
        rowClassName={timelineRowClass}
        rowData={timelineRowData}
        label="Messages"
        className="timeline px-3 md:px-4"
        hasOlder={more}
        onReachTop={onOlder}
        olderNote={olderNote}
        jumpTo={jumpTo}
        // A room opened with unread messages shows the line (Element and Slack open at the first unread).
        startAt="new"
        loaded={loaded}
        onAtBottomChange={bottomChanged}
        controls={controls}
        {...(onJumped ? { onJumped } : {})}
        renderItem={(item) => <TimelineRowBody item={item} context={context} />}
      />
      <p className="sr-only" aria-live="polite">
        {last ? <Untrusted text={`${last.event.sender.username}: ${last.deleted ? 'message deleted' : (last.text ?? line(last.event, opened))}`} /> : null}
      </p>
      {away && (
        <Button
          size="sm"
          className="absolute right-4 bottom-2 shadow-md"
          onClick={() => controls.current?.toBottom()}
        >
          ↓ Jump to latest
        </Button>
      )}
    </div>
  );
}
