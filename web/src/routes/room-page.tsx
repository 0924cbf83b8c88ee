import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { describeKeyChange, keyChangeNotices, newestIsSending } from '../../../shared/client/index.js';
import { ChatError, isDirectMessage, isDirectMessageName, roomTitle } from '../../../shared/protocol/index.js';
import type { Room, RoomEvent } from '../../../shared/protocol/index.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import { PRIVATE_TOPIC_NOTE } from '../../../shared/text/private-topic-note.js';
import { LAST_STILL_SENDING } from '../../../shared/text/still-sending.js';
import { useChat } from '../chat-context.js';
import { Composer } from '../components/composer.js';
import { DeleteMessageDialog, ReactionPickerDialog } from '../components/message-dialogs.js';
import { InviteButton } from '../components/invite-button.js';
import { MembersDrawer } from '../components/members-panel.js';
import { Timeline } from '../components/timeline.js';
import { TopicEditor } from '../components/topic-editor.js';
import { Button } from '../components/ui/button.js';
import { Untrusted } from '../components/untrusted-text.js';
import { summarizeInBrowser } from '../summaries/browser-summary.js';
import { SummaryPanel } from '../summaries/summary-panel.js';
import { useMessageActions } from '../timeline/use-message-actions.js';
import { useRelations } from '../timeline/use-relations.js';

/** `/rooms/:room`: the room by name, or, for one the user is not in, what they can do about it. */
export function RoomPage() {
  const { room: name = '' } = useParams();
  const { chat } = useChat();
  const room = chat.rooms.find((r) => r.name === name.toLowerCase());
  if (room) return <RoomView key={room.id} room={room} />;
  if (!chat.loaded) {
    return (
      <p className="p-4 text-dim" role="status">
        Loading your rooms…
      </p>
    );
  }
  return <NotAMember name={name} />;
}

/** A room the user is not in: Join for an open one; otherwise a way back to the directory. */
function NotAMember({ name }: { readonly name: string }) {
  const { client, chat, setNote } = useChat();
  // A direct message's stored `dm-…` name is never shown (see roomTitle): it is "a direct message" here.
  const shown = roomTitle({ visibility: 'private', name }, null);
  const navigate = useNavigate();
  const [found, setFound] = useState<Room | null | 'loading'>('loading');
  // The server's word when it is not "no such room": e.g. "you were removed from #name by owner".
  const [refusal, setRefusal] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    client.api.room(name).then(
      (r) => current && setFound(r),
      (e: unknown) => {
        if (!current) return;
        setRefusal(e instanceof ChatError && e.code === 'forbidden' ? e.message : null);
        setFound(null);
      },
    );
    return () => {
      current = false;
    };
  }, [client, name]);
  return (
    <div className="grid gap-3 p-4">
      {found === 'loading' ? (
        <p className="text-dim" role="status">
          Looking for {neutralize(shown)}…
        </p>
      ) : found && found.visibility === 'open' ? (
        <>
          <h1 className="text-xl font-semibold [overflow-wrap:anywhere]">
            <Untrusted text={`#${found.name}`} />
          </h1>
          {found.topic && (
            <p className="text-dim [overflow-wrap:anywhere]">
              <Untrusted text={found.topic} />
            </p>
          )}
          <p>
            You are not in this room yet ({found.memberCount} member{found.memberCount === 1 ? '' : 's'}).
          </p>
          <div>
            <Button
              onClick={() =>
                client.api.join(found.name).then(
                  async () => (await chat.refresh(), setNote(`You joined #${found.name}.`)),
                  (e: unknown) => setNote((e as Error).message),
                )
              }
            >
              Join #{neutralize(found.name)}
            </Button>
          </div>
        </>
      ) : (
        <>
          <h1 className="text-xl font-semibold">{refusal ? `Not a member of ${neutralize(shown)}` : 'No room here'}</h1>
          <p className="[overflow-wrap:anywhere]">
            {refusal ? (
              <Untrusted text={`${refusal.replace(/^y/, 'Y')}.`} />
            ) : (
              <>There is no {isDirectMessageName(name) ? 'direct message here' : `room ${neutralize(shown)}`} that you can see. Private rooms are joined by an invite link from their owner.</>
            )}
          </p>
          <div>
            <Button variant="secondary" onClick={() => navigate('/')}>
              Browse rooms
            </Button>
          </div>
        </>
      )}
    </div>
  );
}

const NO_EVENTS: readonly RoomEvent[] = [];

/** What ↑ in the empty message box says while this user's newest message is still being sent. */
const STILL_SENDING = `${LAST_STILL_SENDING}: edit it once it is sent`;

/** A room the user is in: header (name, topic, members, invite), timeline, typing line and composer. */
function RoomView({ room }: { readonly room: Room }) {
  const { client, session, e2e, chat, act, setNote, jump, panel, setPanel } = useChat();
  const view = chat.views.get(room.id);
  const [now, setNow] = useState(Date.now());
  const summarizing = panel === 'summary';
  // A reply's quote clicked: its message is brought into view (and marked) as a search hit is.
  const [quoteJump, setQuoteJump] = useState<{ readonly eventId: string; readonly seq: number } | null>(null);
  const jumpTo = jump?.roomId === room.id ? jump.eventId : (quoteJump?.eventId ?? null);
  const pending = useMemo(() => chat.pending.filter((p) => p.roomId === room.id), [chat.pending, room.id]);
  // ↑ was refused while this user's newest message was still being sent; said until it is sent or they type.
  const [sendingNote, setSendingNote] = useState(false);
  const stillSending = newestIsSending(pending);
  useEffect(() => {
    setSendingNote(false);
  }, [stillSending, room.id]);
  const relations = useRelations(view?.events ?? NO_EVENTS, chat.opened, session.user.id, pending, chat.quoted);
  const messageActions = useMessageActions(chat, room, session.user.id, act);
  const { editing, setEditing, replyingTo, setReplyingTo, reacting, setReacting, deleting, setDeleting } = messageActions;
  const composer = useRef<HTMLTextAreaElement>(null);
  // Whether the newest message is in view: only then does looking at the room read it. Not until the
  // timeline says so: a room opened at its "new messages" line with more below is not read at once.
  const atBottom = useRef(false);
  // Where the user had read to when they opened the room: the "new messages" line stays there while they look.
  const readWhenOpened = useRef<number | null>(view ? view.readSeq : null);
  if (readWhenOpened.current === null && view) readWhenOpened.current = view.readSeq;

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);

  // Reading: the room is read up to its newest event while the page is visible and the newest message
  // is in view; the model moves the server's marker, which the user's other devices follow.
  const markRead = useRef<() => void>(() => undefined);
  markRead.current = () => {
    if (!document.hidden && atBottom.current) chat.markRead(room.id);
  };
  useEffect(() => {
    markRead.current();
    const onVisible = () => markRead.current();
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [room.id, view?.events.length]);

  // Replying: the composer takes the focus, with the quote above it.
  useEffect(() => {
    if (replyingTo) composer.current?.focus();
  }, [replyingTo]);

  // A quote clicked: older history is loaded until the quoted message is there.
  useEffect(() => {
    if (!quoteJump) return;
    chat.loadUntil(room.id, quoteJump.seq).catch((e: unknown) => setNote((e as Error).message));
  }, [quoteJump, room.id]);

  // Opening a private room tells about its members' key changes (a device the server added would show here).
  useEffect(() => {
    if (room.visibility !== 'private') return;
    let current = true;
    keyChangeNotices(e2e, room.id, () => client.api.members(room.id)).then(
      (notices) => {
        if (!current || notices.length === 0) return;
        setNote(
          notices
            .map((n) => describeKeyChange(n))
            .join(' · '),
        );
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [room.id, room.visibility, e2e, client, setNote]);

  // A search hit opened here: older history is loaded until its message is there, then the timeline shows it.
  useEffect(() => {
    if (!jump || jump.roomId !== room.id) return;
    chat.loadUntil(jump.roomId, jump.seq).catch((e: unknown) => setNote((e as Error).message));
  }, [jump, room.id]);

  const typing = view ? Object.values(view.typing).filter((t) => t.until > now).map((t) => t.username) : [];
  const title = chat.title(room);
  // A direct message is a conversation with one person: no one to invite, no topic to set.
  const owns = room.role === 'owner' && !isDirectMessage(room);
  const newAfter = readWhenOpened.current;
  return (
    <>
      <div className="flex min-w-0 flex-wrap items-center gap-2 border-b border-line px-3 py-2 md:px-4">
        <h1 className="min-w-0 flex-1 truncate text-lg font-semibold">
          <Untrusted text={title} />
        </h1>
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" size="sm" aria-expanded={summarizing} onClick={() => setPanel(summarizing ? null : 'summary')}>
            Summarize
          </Button>
          <MembersDrawer room={room} />
          {owns && <InviteButton room={room} />}
        </div>
        {(room.topic || owns) && (
          <div className="flex w-full min-w-0 items-start gap-2">
            {room.topic ? (
              <p className="min-w-0 flex-1 text-sm text-dim [overflow-wrap:anywhere]" aria-label="Topic">
                <Untrusted text={room.topic} />
                {room.visibility === 'private' && <span className="block text-xs text-warn">⚠ Note: {PRIVATE_TOPIC_NOTE}.</span>}
              </p>
            ) : (
              <p className="min-w-0 flex-1 text-sm text-dim">No topic yet.</p>
            )}
            {owns && <TopicEditor room={room} />}
          </div>
        )}
      </div>
      {summarizing && (
        <SummaryPanel
          title={title}
          private={room.visibility === 'private'}
          summarize={(type, progress) => summarizeInBrowser(client.api, e2e, room, type, progress)}
          onClose={() => setPanel(null)}
        />
      )}
      <Timeline
        jumpTo={jumpTo}
        events={view?.events ?? []}
        opened={chat.opened}
        pending={pending}
        me={session.user.username}
        user={session.user}
        newAfterSeq={newAfter !== null && (view?.events.at(-1)?.seq ?? 0) > newAfter ? newAfter : null}
        // The first page of history is in: the timeline opens with it; later events arrived live.
        loaded={view !== undefined}
        more={view?.hasOlder ?? false}
        onOlder={() => chat.loadOlder(room.id)}
        onRetry={(id) => act(() => chat.retry(id))}
        onDiscard={(id) => act(() => chat.discard(id))}
        relations={relations}
        onAtBottomChange={(bottom) => {
          atBottom.current = bottom;
          if (bottom) markRead.current();
        }}
        actions={messageActions.handlers}
        editing={editing}
        onSaveEdit={async (v, text) => {
          await chat.edit(room, v, text);
          setEditing(null);
          composer.current?.focus();
        }}
        onCancelEdit={() => {
          setEditing(null);
          composer.current?.focus();
        }}
        onQuote={(quote) => {
          // The same quote again: clear first, so the jump runs again.
          setQuoteJump(null);
          requestAnimationFrame(() => setQuoteJump({ eventId: quote.eventId, seq: quote.seq }));
        }}
      />
      <ReactionPickerDialog view={reacting} onPick={(v, key) => act(() => chat.react(room, v, key))} onClose={() => setReacting(null)} />
      <DeleteMessageDialog view={deleting} onConfirm={(v) => act(() => chat.deleteMessage(room, v))} onClose={() => setDeleting(null)} />
      <div className="border-t border-line px-3 pt-1 pb-2 md:px-4">
        <p className="min-h-5 text-sm text-dim" role="status" aria-live="polite">
          {sendingNote ? STILL_SENDING : typing.length ? <Untrusted text={`${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…`} /> : ' '}
        </p>
        <Composer
          label={`Message ${neutralize(title).replace('🔒 ', '🔒')}`}
          textareaRef={composer}
          draft={chat.draft(room.id)}
          onDraft={(text) => chat.saveDraft(room.id, text)}
          onSend={(text) => (replyingTo ? chat.reply(room, replyingTo, text).then(() => setReplyingTo(null)) : chat.send(room, text))}
          onTyping={(active) => {
            setSendingNote(false);
            chat.typing(room, active);
          }}
          replyTo={replyingTo ? { sender: replyingTo.event.sender.username, text: replyingTo.text ?? '' } : null}
          onCancelReply={() => setReplyingTo(null)}
          onEditLast={() => {
            // This user's newest message is still being sent: ↑ must not edit an older one in its place,
            // and says why in the live line above the box (as the TUI says it).
            if (newestIsSending(pending)) {
              setSendingNote(true);
              return true;
            }
            const last = relations.messages.findLast((m) => messageActions.handlers.canEdit(m));
            if (last) setEditing(last.event.id);
            return last !== undefined;
          }}
        />
      </div>
    </>
  );
}

