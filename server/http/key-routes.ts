import { Router } from 'express';
import { z } from 'zod';
import { AckSharesRequest, BackupEntryQuery, CommitKeyBackup, DeviceBundle, PostSharesRequest, ReshareRequest, UploadBackupEntries } from '../../shared/protocol/index.js';
import type { KeyBackupService } from '../services/key-backup-service.js';
import type { KeyService } from '../services/key-service.js';
import { claimsOf } from './authenticate.js';
import { parse } from './validate.js';

/** /keys: the device key directory, this device's queue of chain shares, and the user's encrypted key backup. */
export function keyRoutes(keys: KeyService, backup: KeyBackupService): Router {
  const router = Router();
  router.get('/backup', async (_req, res) => {
    res.json({ backup: await backup.info(claimsOf(res)) });
  });
  router.put('/backup', async (req, res) => {
    res.json({ backup: await backup.commit(claimsOf(res), parse(CommitKeyBackup, req.body)) });
  });
  router.post('/backup/entries', async (req, res) => {
    await backup.upload(claimsOf(res), parse(UploadBackupEntries, req.body));
    res.status(204).end();
  });
  router.get('/backup/entries', async (req, res) => {
    res.json(await backup.entries(claimsOf(res), parse(BackupEntryQuery, req.query)));
  });
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
