import { Suspense, lazy, useEffect, useMemo, useState } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router';
import type { StoredSession } from '../../shared/client/index.js';
import type { WebClient } from './client.js';
import { NotFoundPage } from './routes/not-found-page.js';
import { Protected } from './routes/protected.js';
import { SessionContext } from './session.js';
import type { SessionState } from './session.js';

// Pages not needed for the first screen load on demand, keeping the first page's script small: the
// signed-in frame (the chat model, encryption, search, the room list) loads only once there is a
// session, so the sign-in form a signed-out visitor sees carries none of it (docs/architecture.md).
const ChatLayout = lazy(() => import('./routes/chat-layout.js').then((m) => ({ default: m.ChatLayout })));
const DirectoryPage = lazy(() => import('./routes/directory-page.js').then((m) => ({ default: m.DirectoryPage })));
const RoomPage = lazy(() => import('./routes/room-page.js').then((m) => ({ default: m.RoomPage })));
const InvitePage = lazy(() => import('./routes/invite-page.js').then((m) => ({ default: m.InvitePage })));
const SettingsPage = lazy(() => import('./routes/settings-page.js').then((m) => ({ default: m.SettingsPage })));

/**
 * The web client: picks up the cookie's session (a reload stays signed in), then routes.
 * `/` the room directory, `/rooms/:room` a room by name, `/invite/:token` an invite link,
 * `/settings`; each needs a session and shows the sign-in form in place without one, so the address
 * is kept. The server answers these same paths with this page (server/app.ts).
 */
export function App({ client }: { readonly client: WebClient }) {
  const [session, setSession] = useState<StoredSession | null | 'loading'>('loading');
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    client.api.restoreCookieSession().then(setSession, (e: unknown) => {
      setNote((e as Error).message);
      setSession(null);
    });
  }, [client]);

  const state = useMemo<SessionState | null>(
    () =>
      session === 'loading'
        ? null
        : {
            client,
            session,
            note,
            setSession: (next, why) => {
              if (!next) client.live.stop();
              setNote(why ?? null);
              setSession(next);
            },
          },
    [client, session, note],
  );
  const loading = (
    <p className="p-8" role="status">
      Loading…
    </p>
  );
  if (!state) return loading;
  const signedIn = (
    <Protected>
      <Suspense fallback={loading}>
        <ChatLayout />
      </Suspense>
    </Protected>
  );
  return (
    <SessionContext.Provider value={state}>
      <BrowserRouter>
        <Routes>
            <Route element={signedIn}>
              <Route index element={<DirectoryPage />} />
              <Route path="rooms/:room" element={<RoomPage />} />
              <Route path="invite/:token" element={<InvitePage />} />
              <Route path="settings" element={<SettingsPage />} />
            </Route>
            <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </BrowserRouter>
    </SessionContext.Provider>
  );
}
