import { createHash, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ChatError } from '../../shared/protocol/index.js';

/** Who an access token speaks for, and until when. */
export interface AccessClaims {
  readonly userId: string;
  readonly username: string;
  readonly deviceId: string;
  /** The session (device sign-in) the token belongs to: revoking it ends the token. */
  readonly sessionId: string;
  /** When the token expires, in ms since the epoch (server clock). */
  readonly expiresAtMs: number;
}

const ALGORITHM = 'HS256';
const AUDIENCE = 'chat';
const ISSUER = 'chat-server';
const TYPE = 'access';
/** Access tokens live 15 minutes. */
export const ACCESS_TTL_SECONDS = 15 * 60;
/**
 * How far in the future a token's `iat` may lie (clock skew between instances), in seconds. A token
 * issued while the server's clock ran ahead is refused once the clock is fixed, instead of living on.
 */
export const MAX_FUTURE_IAT_SECONDS = 60;

/** Signs and verifies access tokens: HS256 only, with audience, issuer, type and issue time checked. */
export class TokenIssuer {
  /** A secret KeyObject, so jsonwebtoken never tries the string as a PEM public key on each verify. */
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  signAccess(claims: Omit<AccessClaims, 'expiresAtMs'>): { token: string; expiresAt: Date } {
    const iat = Math.floor(this.now() / 1000);
    const token = jwt.sign({ typ: TYPE, usr: claims.username, did: claims.deviceId, sid: claims.sessionId, iat }, this.key, {
      algorithm: ALGORITHM,
      subject: claims.userId,
      audience: AUDIENCE,
      issuer: ISSUER,
      expiresIn: ACCESS_TTL_SECONDS,
      jwtid: randomUUID(),
    });
    return { token, expiresAt: new Date((iat + ACCESS_TTL_SECONDS) * 1000) };
  }

  /**
   * The claims of a valid token. Throws `token_expired` when it expired (or predates sessions, so the
   * client refreshes it), `unauthorized` otherwise — including a token issued in the future beyond
   * MAX_FUTURE_IAT_SECONDS. Whether its session is still live is SessionGuard's question.
   */
  verifyAccess(token: string): AccessClaims {
    const nowSeconds = Math.floor(this.now() / 1000);
    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: [ALGORITHM],
        audience: AUDIENCE,
        issuer: ISSUER,
        clockTimestamp: nowSeconds,
      });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new ChatError('token_expired', 'the access token expired', { cause: error });
      throw new ChatError('unauthorized', 'the access token is not valid', { cause: error });
    }
    if (
      typeof payload === 'string' ||
      payload.typ !== TYPE ||
      typeof payload.sub !== 'string' ||
      typeof payload.did !== 'string' ||
      typeof payload.usr !== 'string' ||
      typeof payload.iat !== 'number' ||
      typeof payload.exp !== 'number'
    ) {
      throw new ChatError('unauthorized', 'the access token is not valid');
    }
    if (payload.iat > nowSeconds + MAX_FUTURE_IAT_SECONDS) throw new ChatError('unauthorized', 'the access token was issued in the future');
    if (typeof payload.sid !== 'string') throw new ChatError('token_expired', 'the access token names no session; refresh it');
    return { userId: payload.sub, username: payload.usr, deviceId: payload.did, sessionId: payload.sid, expiresAtMs: payload.exp * 1000 };
  }
}

/** A new opaque secret: 256 random bits, base64url. Used for refresh tokens and WebSocket tickets. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the store keeps of an opaque token: its SHA-256, hex. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
