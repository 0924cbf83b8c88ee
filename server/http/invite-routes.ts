import { Router } from 'express';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { CreateInviteRequest } from '../../shared/protocol/index.js';
import type { InviteService } from '../services/invite-service.js';
import { claimsOf } from './authenticate.js';
import { parse } from './validate.js';

/** The origin links are made with: as the client reached us. */
function originOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** The `:room` of the parent route (merged params). */
function roomOf(req: Request): string {
  return String((req.params as Record<string, string>).room);
}

const Token = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not an invite token');

/** Invites under a room (owner only), and redemption by token (`limit` guards guessing). */
export function inviteRoutes(invites: InviteService, limit: RequestHandler): { room: Router; redeem: Router } {
  const room = Router({ mergeParams: true });
  room.post('/', async (req, res) => {
    const body = parse(CreateInviteRequest, req.body ?? {});
    res.status(201).json(await invites.create(claimsOf(res).userId, roomOf(req), body, originOf(req)));
  });
  room.get('/', async (req, res) => {
    res.json({ invites: await invites.list(claimsOf(res).userId, roomOf(req)) });
  });
  room.delete('/:id', async (req, res) => {
    await invites.revoke(claimsOf(res).userId, roomOf(req), parse(z.uuid(), req.params.id));
    res.status(204).end();
  });
  const redeem = Router();
  redeem.post('/:token/redeem', limit, async (req, res) => {
    res.json(await invites.redeem(claimsOf(res).userId, parse(Token, req.params.token)));
  });
  return { room, redeem };
}
