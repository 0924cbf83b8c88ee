import { useEffect, useMemo, useState } from 'react';
import { describeDeviceChange, keyChangeNotices } from '../../../shared/client/index.js';
import type { StoredSession } from '../../../shared/client/index.js';
import type { Member, SearchHit } from '../../../shared/protocol/index.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import { PRIVATE_TOPIC_NOTE } from '../../../shared/text/private-topic-note.js';
import type { WebClient } from '../client.js';
import { createE2E } from '../client.js';
import type { ThemeChoice } from '../theme.js';
import { applyTheme, loadTheme } from '../theme.js';
import { useRooms } from '../use-rooms.js';
import { createBrowserSearch } from '../search/browser-search.js';
import { SearchPanel } from '../search/search-panel.js';
import { summarizeInBrowser } from '../summaries/browser-summary.js';
import { SummaryPanel } from '../summaries/summary-panel.js';
import { Composer } from './composer.js';
import { MembersPanel } from './members-panel.js';
import { NewRoomForm } from './new-room-form.js';
import { SafetyPanel } from './safety-panel.js';
import type { Safety } from './safety-panel.js';
import { RoomList } from './room-list.js';
import { Timeline } from './timeline.js';
import { Untrusted } from './untrusted-text.js';

/** The signed-in screen: rooms on the side, the selected room's timeline and composer. */
export function ChatScreen({ client, session, invite, onSignedOut }: { readonly client: WebClient; readonly session: StoredSession; readonly invite: string | null; readonly onSignedOut: () => void }) {
  const { e2e, store } = useMemo(() => createE2E(client, session), [client, session]);
  const chat = useRooms(client, session, e2e);
  const search = useMemo(() => createBrowserSearch(client.api, e2e, session.user.id), [client, e2e, session.user.id]);
  const [searching, setSearching] = useState(false);
  const [jump, setJump] = useState<SearchHit | null>(null);
  const [summaryOf, setSummaryOf] = useState<string | null>(null);
  const [safety, setSafety] = useState<Safety | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [theme, setTheme] = useState<ThemeChoice>(loadTheme);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [now, setNow] = useState(Date.now());
  const room = chat.rooms.find((r) => r.id === selected) ?? chat.rooms[0];
  const view = room ? chat.views.get(room.id) : undefined;

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);

  // Presence changes while the members are shown: a dot that follows people coming and going.
  useEffect(
    () =>
      client.live.on('presence', (frame) => {
        setMembers((list) => list?.map((m) => (m.user.id === frame.user.id ? { ...m, online: frame.status === 'online' } : m)) ?? null);
      }),
    [client],
  );

  // Opening a private room tells about its members' key changes (a device the server added would show here).
  useEffect(() => {
    if (!room || room.visibility !== 'private') return;
    let current = true;
    keyChangeNotices(e2e, room.id, () => client.api.members(room.id)).then(
      (notices) => {
        if (!current || notices.length === 0) return;
        setNote(
          notices
            .map((n) =>
              n.kind === 'devices'
                ? `${n.username}: ${describeDeviceChange(n)}${n.verified ? '' : ' (not verified: compare safety numbers under Members)'}`
                : `Warning: ${n.username}'s keys changed since you verified them. Compare safety numbers again before trusting this room.`,
            )
            .join(' · '),
        );
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [room?.id, room?.visibility, e2e, client]);

  // This browser is a device: its keys are made (and published) once, then shares are fetched.
  useEffect(() => {
    e2e.device().then(
      () => e2e.sync(),
      (e: unknown) => setNote(`Encryption keys could not be set up: ${(e as Error).message}`),
    );
  }, [e2e]);

  // An invite link: join once signed in, then forget the link.
  useEffect(() => {
    if (!invite) return;
    client.api.redeemInvite(invite).then(
      async (result) => {
        window.history.replaceState(null, '', '/');
        await chat.refresh();
        setSelected(result.room.id);
        setNote(`You joined #${result.room.name}.`);
      },
      (e: unknown) => setNote((e as Error).message),
    );
  }, [invite]);

  // A search hit opened: older history is loaded until its message is there, then the timeline shows it.
  useEffect(() => {
    if (!jump) return;
    chat.loadUntil(jump.roomId, jump.seq).catch((e: unknown) => setNote((e as Error).message));
  }, [jump]);

  useEffect(() => {
    if (room) chat.markRead(room.id);
  }, [room, view?.events.length, chat]);

  const act = (work: () => Promise<string | void>) => {
    work().then((message) => setNote(message ?? null), (e: unknown) => setNote((e as Error).message));
  };
  const typing = view ? Object.values(view.typing).filter((t) => t.until > now).map((t) => t.username) : [];
  const status = chat.connection.status;

  return (
    <div className="chat">
      <header>
        <h1>chat</h1>
        <span className="who">
          <Untrusted text={session.user.username} />
        </span>
        <label>
          Theme{' '}
          <select
            aria-label="Theme"
            value={theme}
            onChange={(e) => {
              const choice = e.target.value as ThemeChoice;
              setTheme(choice);
              applyTheme(choice);
            }}
          >
            <option value="system">System</option>
            <option value="dark">Dark</option>
            <option value="light">Light</option>
          </select>
        </label>
        <button type="button" aria-expanded={searching} onClick={() => setSearching(!searching)}>
          Search
        </button>
        <button type="button" onClick={() => act(async () => (await client.api.logout(), await store.destroy(), await search.destroy(), onSignedOut()))}>
          Sign out
        </button>
      </header>
      {status !== 'connected' && (
        <p className="banner" role="status">
          {status === 'reconnecting' ? 'Connection lost — reconnecting…' : status === 'connecting' ? 'Connecting…' : 'Offline'}
        </p>
      )}
      <aside>
        <RoomList rooms={chat.rooms} selected={room?.id ?? null} unread={chat.unread} title={chat.title} onSelect={(id) => (setSelected(id), setMembers(null), setJump(null), setSummaryOf(null))} />
        <NewRoomForm
          onSubmit={async (name, visibility) => {
            try {
              const joinable = visibility === 'open' && (await client.api.directory()).some((r) => r.name === name.toLowerCase());
              const { room: created } = joinable ? await client.api.join(name) : await client.api.createRoom({ name, visibility });
              await chat.refresh();
              setSelected(created.id);
              setNote(`#${created.name} is yours to use.`);
              return true;
            } catch (e) {
              setNote((e as Error).message);
              return false;
            }
          }}
        />
        <form
          className="new-room"
          onSubmit={(e) => {
            e.preventDefault();
            const input = e.currentTarget.elements.namedItem('dm') as HTMLInputElement;
            const username = input.value.trim();
            if (!username) return;
            act(async () => {
              const { room: dm } = await client.api.directMessage(username);
              input.value = '';
              await chat.refresh();
              setSelected(dm.id);
            });
          }}
        >
          <label>
            Message someone directly
            <input name="dm" placeholder="username" autoComplete="off" />
          </label>
          <button type="submit">Open direct messages</button>
        </form>
      </aside>
      <main>
        {searching && (
          <SearchPanel
            search={(q) => search.search(q, chat.rooms)}
            roomTitle={(hit) => {
              const r = chat.rooms.find((x) => x.id === hit.roomId);
              return r ? chat.title(r) : `#${hit.roomName}`;
            }}
            onOpen={(hit) => (setSelected(hit.roomId), setMembers(null), setSummaryOf(null), setJump(hit))}
            onClose={() => setSearching(false)}
          />
        )}
        {room ? (
          <>
            <div className="room-head">
              <h2>
                <Untrusted text={chat.title(room)} />
              </h2>
              <button type="button" onClick={() => act(async () => setMembers(members ? null : await client.api.members(room.id)))}>
                Members
              </button>
              <button type="button" aria-expanded={summaryOf === room.id} onClick={() => setSummaryOf(summaryOf === room.id ? null : room.id)}>
                Summarize
              </button>
              {room.role === 'owner' && (
                <button type="button" onClick={() => act(async () => `Invite link (one use, 24 h): ${(await client.api.createInvite(room.id, {})).url}`)}>
                  Invite
                </button>
              )}
            </div>
            {room.topic && (
              <p className="topic" aria-label="Topic">
                <Untrusted text={room.topic} />
                {room.visibility === 'private' && <span className="topic-note">⚠ Note: {PRIVATE_TOPIC_NOTE}.</span>}
              </p>
            )}
            {members && (
              <MembersPanel
                members={members}
                me={session.user.id}
                owner={room.role === 'owner'}
                onSafety={(username) => act(async () => setSafety({ username, ...(await e2e.safetyNumberWith(username)) }))}
                onRemove={(username) => act(async () => (await client.api.kick(room.id, username), setMembers(await client.api.members(room.id)), `Removed ${username}.`))}
              />
            )}
            {safety && (
              <SafetyPanel
                safety={safety}
                onVerify={() => act(async () => (await e2e.confirm(safety.userId, safety.keys), setSafety({ ...safety, verified: true, changed: false }), `${safety.username} verified.`))}
                onClose={() => setSafety(null)}
              />
            )}
            {summaryOf === room.id && (
              <SummaryPanel
                key={room.id}
                title={chat.title(room)}
                private={room.visibility === 'private'}
                summarize={(type, progress) => summarizeInBrowser(client.api, e2e, room, type, progress)}
                onClose={() => setSummaryOf(null)}
              />
            )}
            <Timeline
              jumpTo={jump?.roomId === room.id ? jump.eventId : null}
              events={view?.events ?? []}
              opened={chat.opened}
              pending={chat.pending.filter((p) => p.roomId === room.id)}
              me={session.user.username}
              more={view?.hasOlder ?? false}
              onOlder={() => act(() => chat.loadOlder(room.id))}
              onRetry={(id) => act(() => chat.retry(id))}
              onDiscard={(id) => act(() => chat.discard(id))}
            />
            <p className="typing" aria-live="polite">
              {typing.length ? <Untrusted text={`${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…`} /> : ' '}
            </p>
            <Composer
              label={`Message ${neutralize(chat.title(room)).replace('🔒 ', '🔒')}`}
              onSend={(text) => chat.send(room, text)}
              onTyping={(active) => chat.typing(room, active)}
            />
          </>
        ) : (
          <p className="empty" role="status">
            {chat.loaded ? 'Join or create a room to start.' : 'Loading your rooms…'}
          </p>
        )}
        {note && (
          <p className="note" role="status">
            <Untrusted text={note} />
          </p>
        )}
      </main>
    </div>
  );
}
