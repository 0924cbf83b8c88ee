import { createHash, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ChatError } from '../../shared/protocol/index.js';

/** Who an access token speaks for. */
export interface AccessClaims {
  readonly userId: string;
  readonly username: string;
  readonly deviceId: string;
}

const ALGORITHM = 'HS256';
const AUDIENCE = 'chat';
const ISSUER = 'chat-server';
const TYPE = 'access';
/** Access tokens live 15 minutes. */
export const ACCESS_TTL_SECONDS = 15 * 60;

/** Signs and verifies access tokens: HS256 only, with audience, issuer and type checked. */
export class TokenIssuer {
  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  signAccess(claims: AccessClaims): { token: string; expiresAt: Date } {
    const iat = Math.floor(this.now() / 1000);
    const token = jwt.sign({ typ: TYPE, usr: claims.username, did: claims.deviceId, iat }, this.secret, {
      algorithm: ALGORITHM,
      subject: claims.userId,
      audience: AUDIENCE,
      issuer: ISSUER,
      expiresIn: ACCESS_TTL_SECONDS,
      jwtid: randomUUID(),
    });
    return { token, expiresAt: new Date((iat + ACCESS_TTL_SECONDS) * 1000) };
  }

  /** The claims of a valid token; throws `token_expired` or `unauthorized` otherwise. */
  verifyAccess(token: string): AccessClaims {
    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, this.secret, {
        algorithms: [ALGORITHM],
        audience: AUDIENCE,
        issuer: ISSUER,
        clockTimestamp: Math.floor(this.now() / 1000),
      });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new ChatError('token_expired', 'the access token expired', { cause: error });
      throw new ChatError('unauthorized', 'the access token is not valid', { cause: error });
    }
    if (typeof payload === 'string' || payload.typ !== TYPE || typeof payload.sub !== 'string' || typeof payload.did !== 'string' || typeof payload.usr !== 'string') {
      throw new ChatError('unauthorized', 'the access token is not valid');
    }
    return { userId: payload.sub, username: payload.usr, deviceId: payload.did };
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
