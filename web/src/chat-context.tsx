import { createContext, useContext } from 'react';
import type { E2ESession, StoredSession } from '../../shared/client/index.js';
import type { SearchHit } from '../../shared/protocol/index.js';
import type { WebClient } from './client.js';
import type { IndexedDbE2EStore } from './indexeddb-e2e-store.js';
import type { BrowserSearch } from './search/browser-search.js';
import type { Chat } from './use-rooms.js';

/**
 * The panel open above the page (search, key backup, or the open room's summary), or null. One at a
 * time, so on a phone the timeline keeps its room; a route change closes it.
 */
export type OpenPanel = 'search' | 'backup' | 'summary' | null;

/** Everything a signed-in page uses: the clients, this device's encryption, the chat model, and the status note. */
export interface ChatContextValue {
  readonly client: WebClient;
  readonly session: StoredSession;
  readonly e2e: E2ESession;
  readonly store: IndexedDbE2EStore;
  readonly chat: Chat;
  /** Search over every room (private ones through this browser's sealed index). */
  readonly search: BrowserSearch;
  /** The search hit being opened (its room's page brings the message into view), or null. */
  readonly jump: SearchHit | null;
  readonly setJump: (hit: SearchHit | null) => void;
  /** The panel open above the page (one at a time). */
  readonly panel: OpenPanel;
  /** Opens a panel (closing any other), or closes it with null; closing returns focus to the page's controls. */
  readonly setPanel: (panel: OpenPanel) => void;
  /** Runs an action; its answer (a sentence) or its error's message becomes the status note. */
  readonly act: (work: () => Promise<string | void>) => void;
  readonly setNote: (note: string | null) => void;
  /**
   * Signs this browser out and removes its device, as the docs' "A browser is a device" has it: the
   * device is revoked on the server (with `everywhere`, every device of the account is), so no approved
   * device is left behind whose keys no one holds; then its keys and search index are deleted here and
   * the sign-in form says so. Throws, removing nothing, when the server refuses or cannot be reached
   * (a session ended already is not a failure: there is nothing left to revoke with it).
   */
  readonly signOut: (options?: { readonly everywhere?: boolean }) => Promise<void>;
}

export const ChatContext = createContext<ChatContextValue | null>(null);

/** The chat context from the signed-in layout; throws outside it, a programming error. */
export function useChat(): ChatContextValue {
  const value = useContext(ChatContext);
  if (!value) throw new Error('useChat outside the signed-in layout');
  return value;
}

/** The address of a room's page. */
export function roomPath(name: string): string {
  return `/rooms/${encodeURIComponent(name)}`;
}
