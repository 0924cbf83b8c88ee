import { randomUUID } from 'node:crypto';
import type { UserRef } from '../../shared/protocol/index.js';
import type { AccessClaims } from '../../server/services/tokens.js';

/** Access claims for a test Connection: the user's, on `deviceId`, a fresh session, valid for an hour. */
export function claimsOf(user: UserRef, deviceId: string): AccessClaims {
  return { userId: user.id, username: user.username, deviceId, sessionId: randomUUID(), expiresAtMs: Date.now() + 3_600_000 };
}
