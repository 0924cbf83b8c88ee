import { useEffect, useState } from 'react';
import type { StoredSession } from '../../shared/client/index.js';
import type { WebClient } from './client.js';
import { ChatScreen } from './components/chat-screen.js';
import { SignIn } from './components/sign-in.js';

/** An invite link opened in the browser: `/invite/TOKEN`. */
function inviteToken(): string | null {
  const m = /^\/invite\/([A-Za-z0-9_-]{20,128})$/.exec(window.location.pathname);
  return m ? (m[1] as string) : null;
}

/** Signs in (or picks up the cookie's session after a reload), then shows the chat. */
export function App({ client }: { readonly client: WebClient }) {
  const [session, setSession] = useState<StoredSession | null | 'loading'>('loading');
  const [invite] = useState(inviteToken);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client.api.restoreCookieSession().then(setSession, (e: unknown) => {
      setError((e as Error).message);
      setSession(null);
    });
  }, [client]);

  if (session === 'loading') return <p className="loading" role="status">Loading…</p>;
  if (session === null) {
    return (
      <SignIn
        api={client.api}
        note={invite ? 'Sign in or register to join the room you were invited to.' : error}
        onSignedIn={async () => setSession(await client.api.session())}
      />
    );
  }
  return (
    <ChatScreen
      client={client}
      session={session}
      invite={invite}
      onSignedOut={() => {
        client.live.stop();
        setSession(null);
      }}
    />
  );
}
