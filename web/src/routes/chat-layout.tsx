import { Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { DevicePrompts, removalText } from '../../../shared/client/index.js';
import type { StoredSession } from '../../../shared/client/index.js';
import { ChatError } from '../../../shared/protocol/index.js';
import type { SearchHit } from '../../../shared/protocol/index.js';
import { roomTitle } from '../../../shared/protocol/index.js';
import { ChatContext, roomPath } from '../chat-context.js';
import type { ChatContextValue, OpenPanel } from '../chat-context.js';
import { createE2E } from '../e2e.js';
import { DeviceApprovalDialog, UnverifiedDeviceBanner } from '../components/device-approval.js';
import { KeyBackupPanel } from '../components/key-backup-panel.js';
import type { WebClient } from '../client.js';
import { NewConversation } from '../components/new-conversation.js';
import { RoomList } from '../components/room-list.js';
import { Button } from '../components/ui/button.js';
import { CopyButton } from '../components/ui/copy-button.js';
import { Sheet, SheetContent, SheetTrigger } from '../components/ui/sheet.js';
import { Untrusted } from '../components/untrusted-text.js';
import { useMentionNotifications } from '../notifications.js';
import { useSession } from '../session.js';
import { createBrowserSearch } from '../search/browser-search.js';
import { SearchPanel } from '../search/search-panel.js';
import { useRooms } from '../use-rooms.js';
import { scopedRoom, searchFilters } from '../../../shared/search/search-options.js';

/** What the sign-in form says after this browser signed out (its device removed: see `signOut`). */
const SIGNED_OUT_NOTE =
  "Signed out. This browser's device was removed from your account and its keys deleted here; signing in again makes a new device, to approve from another device or with your recovery key.";

/**
 * The signed-in frame around every page: the header, the room list (a side column from 768 px, a
 * drawer below), the connection banner and the status note; the page itself goes in the outlet.
 */
export function ChatLayout() {
  const { client, session } = useSession();
  // Protected renders this only with a session.
  return <SignedIn client={client} session={session as StoredSession} />;
}

function SignedIn({ client, session }: { readonly client: WebClient; readonly session: StoredSession }) {
  const { setSession } = useSession();
  const { e2e, store, backup } = useMemo(() => createE2E(client, session), [client, session]);
  const chat = useRooms(client, session, e2e);
  // New sign-ins of this account to approve; this browser's own approval, or its recovery key.
  const prompts = useMemo(() => new DevicePrompts({ e2e, api: client.api, live: client.live, backup }), [e2e, client, backup]);
  // Approved by another device that sent the key backup's key: the earlier private messages open now.
  const reopen = useRef(() => chat.reopen());
  reopen.current = () => chat.reopen();
  useEffect(() => prompts.onHistoryRestored(() => reopen.current()), [prompts]);
  // One panel at a time (search, key backup, or a room's summary): on a phone two would leave the
  // timeline no room. Closing one gives the focus back to the control that opened it.
  const [panel, setPanelState] = useState<OpenPanel>(null);
  const panelOpener = useRef<HTMLElement | null>(null);
  const setPanel = (next: OpenPanel) => {
    if (next) {
      panelOpener.current = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    } else {
      const opener = panelOpener.current;
      panelOpener.current = null;
      // After the panel has gone, so the focus does not fall to the page's body.
      requestAnimationFrame(() => opener?.isConnected && opener.focus());
    }
    setPanelState(next);
  };
  const backupOpen = panel === 'backup';
  const searching = panel === 'search';
  const [freshKey, setFreshKey] = useState<string | null>(null);

  // An account without a key backup (just registered, or from before backups) gets one at once, and
  // its recovery key is shown this once. Into one that exists goes the identity key, when this page
  // has just created it (the only time it can be exported).
  useEffect(() => {
    let live = true;
    backup
      .status()
      .then(async ({ backup: existing }) => {
        if (!live) return;
        if (existing) {
          await backup.addIdentity();
          return;
        }
        const made = await backup.create();
        if (!live) return;
        setFreshKey(made.recoveryKey);
        setPanelState('backup');
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [backup]);
  const search = useMemo(() => createBrowserSearch(client.api, e2e, session.user.id), [client, e2e, session.user.id]);
  const [jump, setJump] = useState<SearchHit | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [drawer, setDrawer] = useState(false);
  const navigate = useNavigate();
  /** What was typed in a room this user was removed from, kept on screen to copy (`room`: its title). */
  const [unsent, setUnsent] = useState<{ readonly room: string; readonly text: string } | null>(null);
  // Removed from a room by its owner: the room leaves the list and the status note says why. What
  // was typed there and not sent is not lost with the room: it stays on screen, to copy.
  const { onRemoved, title, draft, saveDraft } = chat;
  useEffect(
    () =>
      onRemoved((removal) => {
        const room = title({ id: removal.roomId, name: removal.roomName, visibility: removal.visibility });
        const typed = draft(removal.roomId);
        saveDraft(removal.roomId, '');
        if (typed.trim() !== '') setUnsent({ room, text: typed });
        setNote(`${removalText(removal, room).replace(/^y/, 'Y')}.`);
      }),
    [onRemoved, title, draft, saveDraft],
  );
  // Another page closes the open panel, except a search hit's room: the results stay to open the next.
  const { pathname } = useLocation();
  const keepPanel = useRef(false);
  const lastPath = useRef(pathname);
  useEffect(() => {
    if (lastPath.current === pathname) return;
    lastPath.current = pathname;
    if (keepPanel.current) keepPanel.current = false;
    else setPanelState((open) => (open === 'backup' && freshKey ? open : null));
  }, [pathname, freshKey]);
  /** Forgets this device's keys and private index, and shows the sign-in form (with `why`). */
  const forget = async (why?: string) => {
    await store.destroy();
    await search.destroy();
    client.live.stop();
    setSession(null, why);
  };

  // This browser is a device: its keys are made (and published) once, then shares are fetched.
  // The approval prompts start once the keys exist (they look at this device's standing).
  useEffect(() => {
    e2e.device().then(
      () => (void prompts.start().catch(() => undefined), e2e.sync()),
      (e: unknown) => setNote(`Encryption keys could not be set up: ${(e as Error).message}`),
    );
    return () => prompts.stop();
  }, [e2e, prompts]);

  // The tab's title counts what is unread, so a background tab shows it.
  const unread = chat.rooms.reduce((sum, r) => sum + chat.unread(r.id), 0);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) chat` : 'chat';
  }, [unread]);

  useMentionNotifications(chat, session.user.username, (roomName) => navigate(roomPath(roomName)));

  const value = useMemo<ChatContextValue>(
    () => ({
      client,
      session,
      e2e,
      store,
      chat,
      search,
      jump,
      setJump,
      panel,
      setPanel,
      setNote,
      act: (work) => work().then((message) => setNote(message ?? null), (e: unknown) => setNote((e as Error).message)),
      signOut: async ({ everywhere = false } = {}) => {
        // The socket this closes is this page's own doing, not a sign-out elsewhere to report.
        client.live.stop();
        try {
          if (everywhere) await client.api.revokeAllDevices();
          else await client.api.revokeDevice(session.deviceId);
        } catch (error) {
          if (!(error instanceof ChatError && error.code === 'session_revoked')) {
            client.live.start();
            throw error;
          }
        }
        // The cookie goes too (its refresh token was revoked with the device).
        await client.api.logout().catch(() => undefined);
        await forget(SIGNED_OUT_NOTE);
        navigate('/');
      },
    }),
    [client, session, e2e, store, chat, search, jump, panel, setSession, navigate],
  );
  const status = chat.connection.status;
  const revoked = chat.connection.status === 'closed' && chat.connection.reason?.code === 'session_revoked';
  // Signed out from elsewhere (another device, or "sign out everywhere"): this browser forgets what it
  // kept, as on signing out here, and the sign-in form says why.
  useEffect(() => {
    if (revoked) void forget('This session was signed out, here or on another device. Sign in again.');
  }, [revoked]);
  const side = (
    <>
      <Button variant="secondary" asChild className="justify-start">
        <Link to="/" onClick={() => setDrawer(false)}>
          Browse rooms
        </Link>
      </Button>
      <RoomList chat={chat} onNavigate={() => setDrawer(false)} />
      <NewConversation onDone={() => setDrawer(false)} />
    </>
  );

  return (
    <ChatContext.Provider value={value}>
      <div className="app-height grid grid-cols-1 grid-rows-[auto_auto_minmax(0,1fr)_auto] overflow-hidden md:grid-cols-[16rem_minmax(0,1fr)]">
        {/* On a phone the controls shrink and, where they still do not fit (320 px), wrap: none is cut off. */}
        <header className="col-span-full flex min-w-0 flex-wrap items-center gap-x-1 gap-y-1 border-b border-line px-2 py-1.5 md:gap-x-2 md:px-4">
          <Sheet open={drawer} onOpenChange={setDrawer}>
            <SheetTrigger asChild>
              <Button variant="ghost" size="icon" className="md:hidden" aria-label={unread > 0 ? `Rooms (${unread} unread)` : 'Rooms'}>
                ☰
              </Button>
            </SheetTrigger>
            <SheetContent side="left" title="Rooms">
              {side}
            </SheetContent>
          </Sheet>
          <Link to="/" className="text-lg font-semibold text-fg">
            chat
          </Link>
          <Button variant="ghost" className="ml-auto px-2 md:px-3" aria-expanded={searching} onClick={() => setPanel(searching ? null : 'search')}>
            Search
          </Button>
          <span className="hidden min-w-0 truncate text-sm text-dim sm:inline">
            <Untrusted text={session.user.username} />
          </span>
          <Button variant="ghost" className="px-2 md:px-3" aria-expanded={backupOpen} onClick={() => setPanel(backupOpen ? null : 'backup')}>
            Key backup
          </Button>
          <Button variant="ghost" className="px-2 md:px-3" asChild>
            <Link to="/settings">Settings</Link>
          </Button>
        </header>
        {status !== 'connected' ? (
          <p className="col-span-full m-0 bg-panel px-4 py-1 text-sm text-dim" role="status">
            {status === 'reconnecting' ? 'Connection lost — reconnecting…' : status === 'connecting' ? 'Connecting…' : 'Offline'}
          </p>
        ) : (
          <div className="col-span-full" />
        )}
        <aside className="hidden min-h-0 flex-col gap-3 overflow-y-auto border-r border-line p-2 md:flex" aria-label="Your rooms">
          {side}
        </aside>
        <main className="relative flex min-h-0 min-w-0 flex-col">
          <UnverifiedDeviceBanner
            model={prompts}
            onRestored={(report) => {
              chat.reopen();
              setNote(`Key backup restored: ${report.added + report.extended} room keys brought here${report.identity === 'restored' ? '; this browser is verified' : ''}.`);
            }}
          />
          <DeviceApprovalDialog model={prompts} />
          {backupOpen && <KeyBackupPanel backup={backup} fresh={freshKey} onDone={setNote} onClose={() => (setPanel(null), setFreshKey(null))} />}
          {searching && (
            <SearchPanel
              search={async (q, scope) => {
                const filters = searchFilters(scope);
                if (scope.room === undefined) return search.search(q, chat.rooms, filters);
                const room = scopedRoom(chat.rooms, scope.room, chat.title);
                return search.search(q, [room], { ...filters, room: room.name });
              }}
              roomTitle={(hit) => {
                const r = chat.rooms.find((x) => x.id === hit.roomId);
                // A room not listed (left since): `#name`, or for a direct message "a direct message", never `dm-…`.
                return r ? chat.title(r) : roomTitle({ visibility: 'private', name: hit.roomName }, null);
              }}
              onOpen={(hit) => {
                setJump(hit);
                const path = roomPath(chat.rooms.find((x) => x.id === hit.roomId)?.name ?? hit.roomName);
                keepPanel.current = path !== pathname;
                navigate(path);
              }}
              onClose={() => setPanel(null)}
            />
          )}
          <Suspense
            fallback={
              <p className="p-4 text-dim" role="status">
                Loading…
              </p>
            }
          >
            <Outlet />
          </Suspense>
        </main>
        {note ? (
          <p className="col-span-full m-0 flex items-start gap-2 border-t border-line px-4 py-1 text-sm text-dim md:col-start-2" role="status">
            <span className="min-w-0 flex-1 [overflow-wrap:anywhere]">
              <Untrusted text={note} />
            </span>
            <Button variant="ghost" size="sm" onClick={() => setNote(null)} aria-label="Dismiss note">
              ✕
            </Button>
          </p>
        ) : (
          <div className="col-span-full" />
        )}
        {unsent ? (
          <section className="col-span-full flex items-start gap-2 border-t border-line px-4 py-1 text-sm md:col-start-2" aria-label="Unsent text">
            <label className="flex min-w-0 flex-1 flex-col gap-1">
              <span className="text-dim [overflow-wrap:anywhere]">
                What you typed in <Untrusted text={unsent.room} /> was not sent:
              </span>
              <textarea readOnly rows={Math.min(4, unsent.text.split('\n').length)} value={unsent.text} className="w-full resize-none rounded border border-line bg-transparent px-2 py-1" />
            </label>
            <CopyButton text={unsent.text} label="Copy unsent text" />
            <Button variant="ghost" size="sm" onClick={() => setUnsent(null)} aria-label="Dismiss unsent text">
              ✕
            </Button>
          </section>
        ) : null}
      </div>
    </ChatContext.Provider>
  );
}
