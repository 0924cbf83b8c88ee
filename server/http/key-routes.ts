import { Router } from 'express';
import { z } from 'zod';
import { AckSharesRequest, DeviceBundle, PostSharesRequest, ReshareRequest } from '../../shared/protocol/index.js';
import type { KeyService } from '../services/key-service.js';
import { claimsOf } from './authenticate.js';
import { parse } from './validate.js';

/** /keys: the device key directory and this device's queue of chain shares. */
export function keyRoutes(keys: KeyService): Router {
  const router = Router();
  router.put('/devices/me', async (req, res) => {
    await keys.publish(claimsOf(res), parse(DeviceBundle, req.body?.bundle));
    res.status(204).end();
  });
  router.delete('/devices/:id', async (req, res) => {
    await keys.revokeDevice(claimsOf(res), parse(z.uuid(), req.params.id));
    res.status(204).end();
  });
  router.get('/users/:user/devices', async (req, res) => {
    res.json({ devices: await keys.devicesOfUser(req.params.user) });
  });
  router.post('/shares', async (req, res) => {
    await keys.post(claimsOf(res), parse(PostSharesRequest, req.body).shares);
    res.status(204).end();
  });
  router.get('/shares', async (_req, res) => {
    res.json({ shares: await keys.pending(claimsOf(res)) });
  });
  router.post('/shares/ack', async (req, res) => {
    await keys.ack(claimsOf(res), parse(AckSharesRequest, req.body).ids);
    res.status(204).end();
  });
  router.post('/reshare-requests', async (req, res) => {
    await keys.requestReshare(claimsOf(res), parse(ReshareRequest, req.body));
    res.status(204).end();
  });
  router.get('/reshare-requests', async (_req, res) => {
    res.json({ requests: await keys.reshareRequests(claimsOf(res)) });
  });
  router.post('/reshare-requests/ack', async (req, res) => {
    await keys.ackReshareRequests(claimsOf(res), parse(AckSharesRequest, req.body).ids);
    res.status(204).end();
  });
  return router;
}
