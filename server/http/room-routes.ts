import { Router } from 'express';
import { z } from 'zod';
import { ChatError, CreateRoomRequest, DirectoryQuery, HistoryQuery, KickRequest, ReadMarkerRequest, SendMessageRequest, SetTopicRequest, SUMMARY_STREAM, SummaryRequest } from '../../shared/protocol/index.js';
import type { CreateRoomResult, DirectoryPage, RoomAnswer } from '../../shared/protocol/index.js';
import type { KeyService } from '../services/key-service.js';
import type { MessageService } from '../services/message-service.js';
import type { ReadMarkerService } from '../services/read-marker-service.js';
import type { RoomService } from '../services/room-service.js';
import type { SummaryService } from '../services/summary-service.js';
import { claimsOf } from './authenticate.js';
import { parse } from './validate.js';

const SeqPath = z.object({ seq: z.coerce.number().int().positive() });

/** /rooms: the caller's rooms, the directory, membership, messages (with deletes) and read markers. `:room` is an id or a name. */
export function roomRoutes(rooms: RoomService, messages: MessageService, keys: KeyService, summaries: SummaryService, readMarkers: ReadMarkerService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json({ rooms: await rooms.listMine(claimsOf(res).userId) });
  });
  router.get('/directory', async (req, res) => {
    res.json((await rooms.directory(claimsOf(res).userId, parse(DirectoryQuery, req.query))) satisfies DirectoryPage);
  });
  router.post('/', async (req, res) => {
    const body = parse(CreateRoomRequest, req.body);
    res.status(201).json((await rooms.create(claimsOf(res).userId, body)) satisfies CreateRoomResult);
  });
  router.get('/:room', async (req, res) => {
    res.json({ room: await rooms.get(claimsOf(res).userId, req.params.room) } satisfies RoomAnswer);
  });
  router.post('/:room/join', async (req, res) => {
    res.json(await rooms.join(claimsOf(res).userId, req.params.room));
  });
  router.post('/:room/leave', async (req, res) => {
    res.json(await rooms.leave(claimsOf(res).userId, req.params.room));
  });
  router.put('/:room/topic', async (req, res) => {
    res.json({ room: await rooms.setTopic(claimsOf(res).userId, req.params.room, parse(SetTopicRequest, req.body).topic) } satisfies RoomAnswer);
  });
  router.get('/:room/members', async (req, res) => {
    res.json({ members: await rooms.members(claimsOf(res).userId, req.params.room) });
  });
  router.post('/:room/kick', async (req, res) => {
    res.json(await rooms.kick(claimsOf(res).userId, req.params.room, parse(KickRequest, req.body).username));
  });
  router.get('/:room/devices', async (req, res) => {
    res.json({ devices: await keys.devicesOfRoom(claimsOf(res).userId, req.params.room) });
  });
  router.get('/:room/messages', async (req, res) => {
    res.json(await messages.history(claimsOf(res).userId, req.params.room, parse(HistoryQuery, req.query)));
  });
  router.post('/:room/messages', async (req, res) => {
    const { userId, username, deviceId } = claimsOf(res);
    const result = await messages.send({ id: userId, username, deviceId }, req.params.room, parse(SendMessageRequest, req.body));
    res.status(result.duplicate ? 200 : 201).json(result);
  });
  router.delete('/:room/messages/:seq', async (req, res) => {
    const { userId, username } = claimsOf(res);
    res.json(await messages.delete({ id: userId, username }, req.params.room, parse(SeqPath, req.params).seq));
  });
  router.put('/:room/read-marker', async (req, res) => {
    res.json(await readMarkers.mark(claimsOf(res).userId, req.params.room, parse(ReadMarkerRequest, req.body).seq));
  });
  router.post('/:room/summary', async (req, res) => {
    const body = parse(SummaryRequest, req.body ?? {});
    if (!(req.headers.accept ?? '').includes(SUMMARY_STREAM)) {
      res.json(await summaries.summarize(claimsOf(res).userId, req.params.room, body));
      return;
    }
    // Streamed: one JSON object per line, {"delta"} as the model writes, then {"summary"} or {"error"}.
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      res.status(200).setHeader('content-type', SUMMARY_STREAM);
      res.setHeader('cache-control', 'no-cache');
      res.write(`${JSON.stringify({ provider: summaries.provider })}\n`);
    };
    try {
      const summary = await summaries.summarize(claimsOf(res).userId, req.params.room, body, (delta) => {
        start();
        res.write(`${JSON.stringify({ delta })}\n`);
      });
      if (!started) {
        // Nothing was streamed (cached, or offline): the summary alone.
        res.status(200).setHeader('content-type', SUMMARY_STREAM);
        started = true;
      }
      res.end(`${JSON.stringify({ summary })}\n`);
    } catch (error) {
      // Before the first line the error handler answers as usual; after it, the stream says so.
      if (!started) throw error;
      const chat = error instanceof ChatError ? error : new ChatError('internal', 'the summary failed');
      res.end(`${JSON.stringify({ error: { code: chat.code, message: chat.message } })}\n`);
    }
  });
  return router;
}
