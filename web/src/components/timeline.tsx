import { useEffect, useLayoutEffect, useRef } from 'react';
import type { Opened, PendingMessage } from '../../../shared/client/index.js';
import { openedNotice } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
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

/**
 * The room's events, oldest first, then this user's messages still on their way (`pending`); scrolling
 * to the top loads older history; new ones keep it at the bottom.
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
}) {
  const box = useRef<HTMLOListElement>(null);
  const atBottom = useRef(true);
  const firstSeq = useRef<number | undefined>(undefined);
  const heightBefore = useRef(0);

  // Keep the view where it was when older events are added above, and at the bottom when following.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const first = events[0]?.seq;
    if (firstSeq.current !== undefined && first !== undefined && first < firstSeq.current) el.scrollTop += el.scrollHeight - heightBefore.current;
    else if (atBottom.current) el.scrollTop = el.scrollHeight;
    firstSeq.current = first;
    heightBefore.current = el.scrollHeight;
  }, [events, opened, pending]);

  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  return (
    <ol
      ref={box}
      className="timeline"
      aria-live="polite"
      aria-label="Messages"
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        heightBefore.current = el.scrollHeight;
        if (el.scrollTop === 0 && more) onOlder();
      }}
    >
      {more && <li className="older">Scroll up for older messages</li>}
      {events.map((e) => (
        <li key={e.id} className={e.kind === 'message' ? 'message' : 'membership'}>
          <time dateTime={e.createdAt}>{time(e.createdAt)}</time>{' '}
          <strong>
            <Untrusted text={e.sender.username} />
          </strong>
          {e.kind === 'message' ? ': ' : ' '}
          <span className="text">
            <UntrustedLines text={line(e, opened)} />
          </span>
        </li>
      ))}
      {pending.map((p) => (
        <li key={`p:${p.clientMsgId}`} className="message pending" data-status={p.status}>
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
        </li>
      ))}
    </ol>
  );
}
