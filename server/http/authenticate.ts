import type { RequestHandler, Response } from 'express';
import { ChatError } from '../../shared/protocol/index.js';
import type { DeviceActivity } from '../services/device-activity.js';
import type { SessionGuard } from '../services/session-guard.js';
import type { AccessClaims, TokenIssuer } from '../services/tokens.js';

/**
 * Requires a valid Bearer access token whose session is still live; its claims go to
 * `res.locals.claims`, and the device counts as seen (`activity`, written at most once per few
 * minutes). Fails with `unauthorized`, `token_expired` or `session_revoked`.
 */
export function authenticate(tokens: TokenIssuer, guard: SessionGuard, activity?: DeviceActivity): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw new ChatError('unauthorized', 'sign in first (no access token)');
    const claims = tokens.verifyAccess(header.slice('Bearer '.length));
    await guard.check(claims);
    await activity?.seen(claims.deviceId);
    res.locals.claims = claims;
    next();
  };
}

/** The claims `authenticate` attached. */
export function claimsOf(res: Response): AccessClaims {
  return res.locals.claims as AccessClaims;
}
