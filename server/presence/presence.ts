/**
 * Who is online: a user is online while at least one of their sockets is open, on any instance.
 */
export interface Presence {
  /** Counts a new socket; true when the user just came online. */
  connected(userId: string): Promise<boolean>;
  /** Counts a closed socket; true when the user just went offline. */
  disconnected(userId: string): Promise<boolean>;
  online(userIds: readonly string[]): Promise<Set<string>>;
  /** Forgets this instance's sockets (shutdown). */
  close(): Promise<void>;
}
