import { Router } from 'express';
import type { RequestHandler } from 'express';
import { LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest } from '../../shared/protocol/index.js';
import type { AuthService } from '../services/auth-service.js';
import type { TokenIssuer } from '../services/tokens.js';
import { authenticate, claimsOf } from './authenticate.js';
import { parse } from './validate.js';

/** /auth: register, login, refresh, logout, and WebSocket tickets. `limit` guards the password routes. */
export function authRoutes(auth: AuthService, tokens: TokenIssuer, limit: RequestHandler): Router {
  const router = Router();
  router.post('/register', limit, async (req, res) => {
    res.status(201).json(await auth.register(parse(RegisterRequest, req.body)));
  });
  router.post('/login', limit, async (req, res) => {
    res.json(await auth.login(parse(LoginRequest, req.body)));
  });
  router.post('/refresh', limit, async (req, res) => {
    res.json(await auth.refresh(parse(RefreshRequest, req.body).refreshToken));
  });
  router.post('/logout', async (req, res) => {
    await auth.logout(parse(LogoutRequest, req.body).refreshToken);
    res.status(204).end();
  });
  router.post('/ws-ticket', authenticate(tokens), async (_req, res) => {
    res.json(await auth.issueWsTicket(claimsOf(res)));
  });
  return router;
}
