import { z } from 'zod';

/**
 * Every error the system reports, by stable code. Servers put one in `{error: {code, message}}` and in
 * WebSocket `error` frames; clients branch on the code, never on the message text.
 */
export const ErrorCode = {
  /** The request body, query or frame failed validation. */
  invalidRequest: 'invalid_request',
  /** Username or password wrong; on a client, also a recovery key that does not open the key backup. */
  invalidCredentials: 'invalid_credentials',
  /** No token, or a token that does not verify. */
  unauthorized: 'unauthorized',
  /** The access token expired: refresh and retry. */
  tokenExpired: 'token_expired',
  /** The session was signed out or revoked (or its device was), or the refresh token is unknown, expired or reused. */
  sessionRevoked: 'session_revoked',
  /** Signed in, but not allowed (for example not a member of the room). */
  forbidden: 'forbidden',
  notFound: 'not_found',
  usernameTaken: 'username_taken',
  roomExists: 'room_exists',
  /** The operation conflicts with the current state (already a member, not a member, ...). */
  conflict: 'conflict',
  messageTooLarge: 'message_too_large',
  /**
   * A private message sealed with a message key (sender device, keyId, counter) that another envelope
   * already used: another copy of the sending device's state (a copied CHAT_HOME, an old restore)
   * advanced the same chain. Nothing was stored; that copy must stop sending as this device.
   */
  keyReused: 'key_reused',
  /** An invite link that is expired, revoked or used up. */
  inviteInvalid: 'invite_invalid',
  rateLimited: 'rate_limited',
  /** The AI provider failed or refused (bad key, unknown model, unreachable). */
  providerFailed: 'provider_failed',
  /** The server cannot serve right now (shutting down, store unavailable). */
  unavailable: 'unavailable',
  internal: 'internal',
} as const;

export const ErrorCodeSchema = z.enum(Object.values(ErrorCode) as [ErrorCodeValue, ...ErrorCodeValue[]]);
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The body of every failed REST response. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** Validation problems, one per offending field. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** WebSocket close codes the gateway uses, so clients know whether to reconnect. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  tooLarge: 1009,
  internal: 1011,
  /** The session was revoked or the account signed out: do not reconnect with the same token. */
  sessionRevoked: 4001,
  /**
   * The socket's access token expired and no `reauth` frame renewed it: refresh the token and
   * reconnect (resuming from the last seq), without backoff.
   */
  tokenExpired: 4002,
  /**
   * A flood: the socket kept sending past its frame budget (more than 10 frames refused within 10 s;
   * see docs/protocol.md). Reconnect with backoff.
   */
  rateLimited: 4029,
  /** The client did not read fast enough and its buffer passed the limit. */
  slowConsumer: 4008,
} as const;
