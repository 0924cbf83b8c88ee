import { Router } from 'express';
import type { Request, RequestHandler, Response } from 'express';
import { ChatError, COOKIE_SESSION_HEADER, DeviceChallengeRequest, LoginRequest, LogoutRequest, REFRESH_COOKIE, RefreshRequest, RegisterRequest } from '../../shared/protocol/index.js';
import type { CookieSessionAnswer, Session, TokenPair } from '../../shared/protocol/index.js';
import { REFRESH_TTL_MS } from '../services/auth-service.js';
import type { AuthService } from '../services/auth-service.js';
import { claimsOf } from './authenticate.js';
import { parse } from './validate.js';

/** Whether a browser asked to keep its refresh token in a cookie. */
const wantsCookie = (req: Request) => req.headers[COOKIE_SESSION_HEADER] === 'cookie';

/** The refresh cookie from the Cookie header; `invalid_request` when its %-escapes are malformed. */
function cookieToken(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== REFRESH_COOKIE) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch (error) {
      throw new ChatError('invalid_request', 'the session cookie is malformed', { cause: error });
    }
  }
  return undefined;
}

/** Only the auth routes ever see it; JavaScript never does. */
function setRefreshCookie(res: Response, token: string | null): void {
  const attributes = `Path=/api/v1/auth; HttpOnly; Secure; SameSite=Strict; Max-Age=${token ? Math.floor(REFRESH_TTL_MS / 1000) : 0}`;
  res.setHeader('Set-Cookie', `${REFRESH_COOKIE}=${token ? encodeURIComponent(token) : ''}; ${attributes}`);
}

/** In cookie mode the token goes to the cookie and the body carries an empty one. */
function tokensOut(req: Request, res: Response, tokens: TokenPair): TokenPair {
  if (!wantsCookie(req)) return tokens;
  setRefreshCookie(res, tokens.refreshToken);
  return { ...tokens, refreshToken: '' };
}
const sessionOut = (req: Request, res: Response, session: Session): Session => ({ ...session, tokens: tokensOut(req, res, session.tokens) });

/** The refresh token of a refresh or logout: the cookie for browsers, the body for everyone else. */
function refreshTokenOf(req: Request, schema: typeof RefreshRequest): string {
  if (!wantsCookie(req)) return parse(schema, req.body).refreshToken;
  const token = cookieToken(req);
  if (!token) throw new ChatError('session_revoked', 'no session cookie: sign in again');
  return token;
}

/**
 * The refresh token a request presents (cookie or body), or undefined; never throws, for the refresh
 * limit's key (the route itself validates).
 */
export function presentedRefreshToken(req: Request): string | undefined {
  if (wantsCookie(req)) {
    try {
      return cookieToken(req);
    } catch {
      // Malformed: keyed by address; the route itself answers it.
      return undefined;
    }
  }
  const parsed = RefreshRequest.safeParse(req.body);
  return parsed.success ? parsed.data.refreshToken : undefined;
}

/**
 * The client's address as this server sees it: Express's `req.ip`, which follows X-Forwarded-For only
 * as far as the `trust proxy` setting (CHAT_TRUST_PROXY) allows; an IPv4 address in IPv6 form
 * (`::ffff:10.0.0.1`) is written plainly. Null when unknown.
 */
export function clientAddress(req: Request): string | null {
  const ip = req.ip ?? req.socket.remoteAddress;
  if (!ip) return null;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

/** The rate limits of /auth: `password` for register and login, `refresh` (per session) for refresh. */
export interface AuthLimits {
  readonly password: RequestHandler;
  readonly refresh: RequestHandler;
}

/**
 * /auth: register, login, refresh, the browser's session check, logout, and WebSocket tickets. `requireAuth` guards the ticket
 * route (a revoked session gets none).
 */
export function authRoutes(auth: AuthService, requireAuth: RequestHandler, limits: AuthLimits): Router {
  const limit = limits.password;
  const router = Router();
  router.post('/register', limit, async (req, res) => {
    res.status(201).json(sessionOut(req, res, await auth.register(parse(RegisterRequest, req.body), clientAddress(req))));
  });
  router.post('/login', limit, async (req, res) => {
    res.json(sessionOut(req, res, await auth.login(parse(LoginRequest, req.body), clientAddress(req))));
  });
  router.post('/device-challenge', limit, async (req, res) => {
    res.json(await auth.deviceChallenge(parse(DeviceChallengeRequest, req.body).deviceId));
  });
  router.post('/refresh', limits.refresh, async (req, res) => {
    try {
      res.json(tokensOut(req, res, await auth.refresh(refreshTokenOf(req, RefreshRequest))));
    } catch (error) {
      if (wantsCookie(req) && error instanceof ChatError && error.code === 'session_revoked') setRefreshCookie(res, null);
      throw error;
    }
  });
  // A browser's check for a session at page load: like a cookie refresh, but "none" is an answer, not
  // an error, so a signed-out page logs nothing. A cookie whose session has ended is cleared.
  router.post('/session', limits.refresh, async (req, res) => {
    if (!wantsCookie(req)) throw new ChatError('invalid_request', `only browsers keeping the session in a cookie (${COOKIE_SESSION_HEADER}: cookie) ask here`);
    const none: CookieSessionAnswer = { signedIn: false };
    let token: string | undefined;
    try {
      token = cookieToken(req);
    } catch {
      // A malformed cookie holds no session: it is cleared like an ended one.
      setRefreshCookie(res, null);
      return void res.json(none);
    }
    if (!token) return void res.json(none);
    try {
      const answer: CookieSessionAnswer = { signedIn: true, tokens: tokensOut(req, res, await auth.refresh(token)) };
      res.json(answer);
    } catch (error) {
      if (!(error instanceof ChatError && error.code === 'session_revoked')) throw error;
      setRefreshCookie(res, null);
      res.json(none);
    }
  });
  router.post('/logout', async (req, res) => {
    const token = wantsCookie(req) ? cookieToken(req) : parse(LogoutRequest, req.body).refreshToken;
    if (token) await auth.logout(token);
    if (wantsCookie(req)) setRefreshCookie(res, null);
    res.status(204).end();
  });
  router.post('/ws-ticket', requireAuth, async (_req, res) => {
    res.json(await auth.issueWsTicket(claimsOf(res)));
  });
  return router;
}
