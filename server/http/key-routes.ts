import { Router } from 'express';
import { z } from 'zod';
import {
  AckSharesRequest,
  BackupEntryQuery,
  CommitKeyBackup,
  DeviceBundle,
  DeviceSignatureRequest,
  PostSharesRequest,
  PublishIdentityRequest,
  ReshareRequest,
  StartVerificationRequest,
  UploadBackupEntries,
  VerificationStepRequest,
} from '../../shared/protocol/index.js';
import type { DeviceVerificationService } from '../services/device-verification-service.js';
import type { KeyBackupService } from '../services/key-backup-service.js';
import type { KeyService } from '../services/key-service.js';
import { claimsOf } from './authenticate.js';
import { parse } from './validate.js';

/**
 * /keys: the device key directory (with the user identity keys and cross-signatures), the device
 * verifications that approve a new device, this device's queue of chain shares, and the user's
 * encrypted key backup.
 */
export function keyRoutes(keys: KeyService, verifications: DeviceVerificationService, backup: KeyBackupService): Router {
  const router = Router();
  router.put('/identity', async (req, res) => {
    const body = parse(PublishIdentityRequest, req.body);
    await keys.publishIdentity(claimsOf(res), body.identityKey, body.signature, { reset: body.reset === true });
    res.status(204).end();
  });
  router.put('/devices/:id/signature', async (req, res) => {
    await keys.signDevice(claimsOf(res), parse(z.uuid(), req.params.id), parse(DeviceSignatureRequest, req.body).signature);
    res.status(204).end();
  });
  router.post('/verifications', async (req, res) => {
    res.status(201).json(await verifications.start(claimsOf(res), parse(StartVerificationRequest, req.body)));
  });
  router.get('/verifications', async (_req, res) => {
    res.json({ verifications: await verifications.list(claimsOf(res)) });
  });
  router.get('/verifications/:id', async (req, res) => {
    res.json(await verifications.get(claimsOf(res), parse(z.uuid(), req.params.id)));
  });
  router.post('/verifications/:id', async (req, res) => {
    res.json(await verifications.step(claimsOf(res), parse(z.uuid(), req.params.id), parse(VerificationStepRequest, req.body)));
  });
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
  router.get('/devices', async (_req, res) => {
    res.json({ devices: await keys.accountDevices(claimsOf(res)) });
  });
  router.put('/devices/me', async (req, res) => {
    await keys.publish(claimsOf(res), parse(DeviceBundle, req.body?.bundle));
    res.status(204).end();
  });
  router.delete('/devices', async (_req, res) => {
    await keys.revokeAllDevices(claimsOf(res));
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
