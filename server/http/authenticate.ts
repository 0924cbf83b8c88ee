import type { RequestHandler, Response } from 'express';
import { ChatError } from '../../shared/protocol/index.js';
import type { AccessClaims, TokenIssuer } from '../services/tokens.js';

/** Requires a valid Bearer access token; its claims go to `res.locals.claims`. */
export function authenticate(tokens: TokenIssuer): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw new ChatError('unauthorized', 'sign in first (no access token)');
    res.locals.claims = tokens.verifyAccess(header.slice('Bearer '.length));
    next();
  };
}

/** The claims `authenticate` attached. */
export function claimsOf(res: Response): AccessClaims {
  return res.locals.claims as AccessClaims;
}
