import type { ReactNode } from 'react';
import { useMatch } from 'react-router';
import { SignIn } from '../components/sign-in.js';
import { useSession } from '../session.js';

/**
 * A page for signed-in people: without a session it shows the sign-in form in place, at the same
 * address, so a deep link (or a reload of one) lands where it pointed once signed in.
 */
export function Protected({ children }: { readonly children: ReactNode }) {
  const { client, session, setSession, note } = useSession();
  // An invite link opened before signing in: the form says why it shows.
  const invited = useMatch('/invite/:token') !== null;
  if (session) return <>{children}</>;
  return <SignIn api={client.api} note={invited ? 'Sign in or register to join the room you were invited to.' : note} onSignedIn={async () => setSession(await client.api.session())} />;
}
