import { createContext, useContext } from 'react';
import type { StoredSession } from '../../shared/client/index.js';
import type { WebClient } from './client.js';

/** The browser's clients and who is signed in (null: nobody; the sign-in form shows instead). */
export interface SessionState {
  readonly client: WebClient;
  readonly session: StoredSession | null;
  /**
   * Called once the sign-in form has a session, or with null after signing out; `note` says on the
   * sign-in form why it shows (a session revoked elsewhere).
   */
  readonly setSession: (session: StoredSession | null, note?: string) => void;
  /** A note for the sign-in form (why it shows: an expired session, an invite waiting). */
  readonly note: string | null;
}

export const SessionContext = createContext<SessionState | null>(null);

/** The session state from the nearest provider (App); throws outside one, a programming error. */
export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside the App');
  return state;
}
