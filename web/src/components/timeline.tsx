import { useMemo } from 'react';
import type { Opened, PendingMessage } from '../../../shared/client/index.js';
import { openedNotice } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { VirtualTimeline } from '../timeline/virtual-timeline.js';
import { Untrusted, UntrustedLines } from './untrusted-text.js';

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

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

/** A row of the timeline: a stored event, or a message of this user's still on its way. */
type Row = { readonly kind: 'event'; readonly event: RoomEvent } | { readonly kind: 'pending'; readonly pending: PendingMessage };

const rowKey = (row: Row) => (row.kind === 'event' ? row.event.id : `p:${row.pending.clientMsgId}`);
const rowClass = (row: Row) => (row.kind === 'pending' ? 'message pending' : row.event.kind === 'message' ? 'message' : 'membership');
const rowData = (row: Row): Record<`data-${string}`, string> => (row.kind === 'pending' ? { 'data-status': row.pending.status } : {});

/**
 * The room's events, oldest first, then this user's messages still on their way (`pending`), in a
 * virtualized list (only the rows in view are in the page, see VirtualTimeline); coming near the
 * top loads older history; new ones keep it at the bottom. `jumpTo` (an event id) brings that
 * message to the middle and marks it, once it is loaded. The newest event is also announced in a
 * polite live region (the list itself is not one: rows come and go as it scrolls).
 */
export function Timeline({
  events,
  opened,
  pending = [],
  me = 'you',
  more,
  onOlder,
  onRetry,
  onDiscard,
  jumpTo = null,
  onJumped,
}: {
  readonly events: readonly RoomEvent[];
  readonly opened: ReadonlyMap<string, Opened>;
  readonly pending?: readonly PendingMessage[];
  /** Sends a failed message again (by clientMsgId). */
  readonly onRetry?: (clientMsgId: string) => void;
  /** Drops a failed message (by clientMsgId). */
  readonly onDiscard?: (clientMsgId: string) => void;
  readonly me?: string;
  readonly more: boolean;
  readonly onOlder: () => void;
  /** An event id to bring into view and mark. */
  readonly jumpTo?: string | null;
  /** Called once the event of `jumpTo` is in view. */
  readonly onJumped?: (eventId: string) => void;
}) {
  const rows = useMemo<Row[]>(
    () => [...events.map((event): Row => ({ kind: 'event', event })), ...pending.map((p): Row => ({ kind: 'pending', pending: p }))],
    [events, pending],
  );
  const last = events.at(-1);
  return (
    <>
      <VirtualTimeline
        items={rows}
        itemKey={rowKey}
        rowClassName={rowClass}
        rowData={rowData}
        label="Messages"
        hasOlder={more}
        onReachTop={onOlder}
        olderNote={<p className="older">Scroll up for older messages</p>}
        jumpTo={jumpTo}
        {...(onJumped ? { onJumped } : {})}
        renderItem={(row) => (row.kind === 'event' ? <EventRow event={row.event} opened={opened} /> : <PendingRow p={row.pending} me={me} onRetry={onRetry} onDiscard={onDiscard} />)}
      />
      <p className="sr-only" aria-live="polite">
        {last ? <Untrusted text={`${last.sender.username}: ${line(last, opened)}`} /> : null}
      </p>
    </>
  );
}

/** One stored event: time, sender, text. */
function EventRow({ event: e, opened }: { readonly event: RoomEvent; readonly opened: ReadonlyMap<string, Opened> }) {
  return (
    <>
      <time dateTime={e.createdAt}>{time(e.createdAt)}</time>{' '}
      <strong>
        <Untrusted text={e.sender.username} />
      </strong>
      {e.kind === 'message' ? ': ' : ' '}
      <span className="text">
        <UntrustedLines text={line(e, opened)} />
      </span>
    </>
  );
}

/** A message of this user's not yet stored, with Retry / Discard once it failed. */
function PendingRow({ p, me, onRetry, onDiscard }: { readonly p: PendingMessage; readonly me: string; readonly onRetry?: ((id: string) => void) | undefined; readonly onDiscard?: ((id: string) => void) | undefined }) {
  return (
    <>
      <time dateTime={new Date(p.queuedAt).toISOString()}>{time(new Date(p.queuedAt).toISOString())}</time>{' '}
      <strong>
        <Untrusted text={me} />
      </strong>
      {': '}
      <span className="text">
        <UntrustedLines text={p.text} />
      </span>{' '}
      <em className="pending-note">({pendingNote(p)})</em>
      {p.status === 'failed' && (
        <span className="pending-actions">
          {' '}
          {onRetry && (
            <button type="button" onClick={() => onRetry(p.clientMsgId)}>
              Retry
            </button>
          )}{' '}
          {onDiscard && (
            <button type="button" onClick={() => onDiscard(p.clientMsgId)}>
              Discard
            </button>
          )}
        </span>
      )}
    </>
  );
}
