import type { UserRef } from '../protocol/index.js';

/** What a client keeps between runs to stay signed in. */
export interface StoredSession {
  readonly user: UserRef;
  readonly deviceId: string;
  readonly accessToken: string;
  /** ISO date. */
  readonly accessExpiresAt: string;
  readonly refreshToken: string;
  /**
   * The server's clock minus this machine's, in ms, learned when the tokens came: expiry is decided on
   * the server's clock, so a machine whose clock is off neither refreshes on every call nor too late.
   */
  readonly clockOffsetMs?: number;
}

/**
 * Where the session lives: the OS keychain or an encrypted file for the CLI, memory for tests,
 * IndexedDB and a cookie for the web client.
 */
export interface SessionStore {
  load(): Promise<StoredSession | null>;
  save(session: StoredSession): Promise<void>;
  clear(): Promise<void>;
  /**
   * Runs `fn` while no other process of this profile runs one: refresh tokens serve once, so two
   * processes refreshing together would look like token theft and revoke the session.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** A SessionStore in memory, for tests and short-lived tools. */
export class MemorySessionStore implements SessionStore {
  private session: StoredSession | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  async load(): Promise<StoredSession | null> {
    return this.session;
  }

  async save(session: StoredSession): Promise<void> {
    this.session = session;
  }

  async clear(): Promise<void> {
    this.session = null;
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}
