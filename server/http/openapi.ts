import { z } from 'zod';
import * as P from '../../shared/protocol/index.js';

/** One REST operation, described by the same zod schemas that validate it. */
interface Operation {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** Express-style path under /api/v1 (`:room`), or an absolute one starting with `//`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly auth?: boolean;
  readonly body?: z.ZodType;
  readonly query?: z.ZodObject;
  readonly status?: number;
  /** The answer's schema; none for 204. */
  readonly answer?: z.ZodType;
}

const Ids = P.AckSharesRequest;

/** Every route of the REST API. server/http/openapi.test.ts checks it both ways: each entry is mounted and answers; each mounted route and each ApiClient request is here. */
const OPERATIONS: readonly Operation[] = [
  { method: 'post', path: '/auth/register', tag: 'auth', auth: false, summary: 'Create an account and sign in (a new device)', body: P.RegisterRequest, status: 201, answer: P.Session },
  { method: 'post', path: '/auth/login', tag: 'auth', auth: false, summary: 'Sign in: a new device (announced to your other devices with where and when), or with resume an existing device that proves it holds its signing key', body: P.LoginRequest, answer: P.Session },
  { method: 'post', path: '/auth/device-challenge', tag: 'auth', auth: false, summary: 'A one-time, 60-second challenge an existing device signs to sign in again as itself (login resume)', body: P.DeviceChallengeRequest, answer: P.DeviceChallenge },
  { method: 'post', path: '/auth/refresh', tag: 'auth', auth: false, summary: 'Trade a refresh token for new tokens (the old one is spent; within 10 s it answers the same pair again, after that it revokes the session)', body: P.RefreshRequest, answer: P.TokenPair },
  { method: 'post', path: '/auth/session', tag: 'auth', auth: false, summary: 'Browsers (x-chat-session: cookie): the refresh cookie\'s session with new tokens, or signedIn: false (200, not an error) when there is no cookie or its session ended', answer: P.CookieSessionAnswer },
  { method: 'post', path: '/auth/logout', tag: 'auth', auth: false, summary: 'End the session; its sockets close with 4001', body: P.LogoutRequest, status: 204 },
  { method: 'post', path: '/auth/ws-ticket', tag: 'auth', summary: 'A one-time, 30-second ticket for a browser WebSocket', answer: P.WsTicket },
  { method: 'get', path: '/me', tag: 'auth', summary: 'Who this token belongs to', answer: P.Me },
  { method: 'get', path: '/rooms', tag: 'rooms', summary: 'Your rooms', answer: P.RoomList },
  { method: 'get', path: '/rooms/directory', tag: 'rooms', summary: 'A page of open rooms in name order, with member counts and your role or null; q searches names and topics and also answers names a typo away (similar)', query: P.DirectoryQuery, answer: P.DirectoryPage },
  { method: 'post', path: '/rooms', tag: 'rooms', summary: 'Create a room (open, or private and end-to-end encrypted)', body: P.CreateRoomRequest, status: 201, answer: P.CreateRoomResult },
  { method: 'get', path: '/rooms/:room', tag: 'rooms', summary: 'A room by id or name', answer: P.RoomAnswer },
  { method: 'put', path: '/rooms/:room/topic', tag: 'rooms', summary: 'Set the topic (owner only); members get a rooms frame', body: P.SetTopicRequest, answer: P.RoomAnswer },
  { method: 'post', path: '/rooms/:room/join', tag: 'rooms', summary: 'Join an open room', answer: P.MembershipResult },
  { method: 'post', path: '/rooms/:room/leave', tag: 'rooms', summary: 'Leave a room', answer: P.MembershipResult },
  { method: 'get', path: '/rooms/:room/members', tag: 'rooms', summary: 'Members and who is online', answer: P.MemberList },
  { method: 'post', path: '/rooms/:room/kick', tag: 'rooms', summary: 'Remove a member (owner)', body: P.KickRequest, answer: P.MembershipResult },
  { method: 'get', path: '/rooms/:room/devices', tag: 'keys', summary: "Every member's published devices", answer: P.DeviceList },
  { method: 'get', path: '/rooms/:room/messages', tag: 'messages', summary: 'History, ascending by seq', query: P.HistoryQuery, answer: P.HistoryPage },
  { method: 'post', path: '/rooms/:room/messages', tag: 'messages', summary: 'Send (idempotent by clientMsgId; a repeat answers 200 with duplicate: true)', body: P.SendMessageRequest, status: 201, answer: P.SendMessageResult },
  { method: 'delete', path: '/rooms/:room/messages/:seq', tag: 'messages', summary: 'Delete a message for good (its author, or the room owner): its content and its edits are removed; a delete event answers', answer: P.DeleteMessageResult },
  { method: 'put', path: '/rooms/:room/read-marker', tag: 'messages', summary: 'Move your read marker in the room up to seq (never back); your other sockets are told', body: P.ReadMarkerRequest, answer: P.ReadMarker },
  { method: 'get', path: '/read-markers', tag: 'messages', summary: 'Your read markers, by room', answer: P.ReadMarkerList },
  { method: 'post', path: '/rooms/:room/summary', tag: 'search', summary: "Summarize an open room with the server's provider (or offline)", body: P.SummaryRequest, answer: P.Summary },
  { method: 'post', path: '/rooms/:room/invites', tag: 'invites', summary: 'Make an invite link (owner); the token is shown once', body: P.CreateInviteRequest, status: 201, answer: P.InviteCreated },
  { method: 'get', path: '/rooms/:room/invites', tag: 'invites', summary: "A room's invites (owner)", answer: P.InviteList },
  { method: 'delete', path: '/rooms/:room/invites/:id', tag: 'invites', summary: 'Revoke an invite (owner)', status: 204 },
  { method: 'post', path: '/invites/:token/redeem', tag: 'invites', summary: 'Join through an invite link', answer: P.MembershipResult },
  { method: 'post', path: '/dm', tag: 'rooms', summary: 'The private room of you and another user', body: P.DirectMessageRequest, answer: P.DirectMessageResult },
  { method: 'get', path: '/search', tag: 'search', summary: 'Full-text search over your open rooms (limited per user; 503 when a search runs too long)', query: P.SearchQuery, answer: P.SearchResults },
  { method: 'get', path: '/keys/devices', tag: 'keys', summary: 'Your own devices with where and when each signed in and when it was last seen (to within minutes)', answer: P.DeviceActivityList },
  { method: 'put', path: '/keys/devices/me', tag: 'keys', summary: "Publish this device's self-signed key bundle", body: z.object({ bundle: P.DeviceBundle }), status: 204 },
  { method: 'delete', path: '/keys/devices', tag: 'keys', summary: 'Sign out everywhere: revoke every one of your devices, with or without keys; all their sessions end and sockets close', status: 204 },
  { method: 'delete', path: '/keys/devices/:id', tag: 'keys', summary: 'Revoke one of your devices: its sessions end and its sockets close (idempotent)', status: 204 },
  { method: 'put', path: '/keys/identity', tag: 'keys', summary: "Set your user identity key (once), with this device's cross-signature", body: P.PublishIdentityRequest, status: 204 },
  { method: 'put', path: '/keys/devices/:id/signature', tag: 'keys', summary: "Store a device's cross-signature by your identity key", body: P.DeviceSignatureRequest, status: 204 },
  { method: 'post', path: '/keys/verifications', tag: 'keys', summary: 'A new device asks to be approved (commits to its SAS key)', body: P.StartVerificationRequest, answer: P.Verification, status: 201 },
  { method: 'get', path: '/keys/verifications', tag: 'keys', summary: "Your account's open device verifications", answer: P.VerificationList },
  { method: 'get', path: '/keys/verifications/:id', tag: 'keys', summary: 'One device verification', answer: P.Verification },
  { method: 'post', path: '/keys/verifications/:id', tag: 'keys', summary: 'The next step of a device verification: accept, reveal, confirm, secret (the approver\'s sealed key backup key for the new device) or cancel', body: P.VerificationStepRequest, answer: P.Verification },
  { method: 'get', path: '/keys/users/:user/devices', tag: 'keys', summary: "A user's published devices", answer: P.DeviceList },
  { method: 'post', path: '/keys/shares', tag: 'keys', summary: 'Queue sealed chain shares for devices', body: P.PostSharesRequest, status: 204 },
  { method: 'get', path: '/keys/shares', tag: 'keys', summary: "This device's queued shares", answer: P.ShareList },
  { method: 'post', path: '/keys/shares/ack', tag: 'keys', summary: 'Delete shares this device has taken', body: Ids, status: 204 },
  { method: 'post', path: '/keys/reshare-requests', tag: 'keys', summary: "Ask a sender's device to share a chain again", body: P.ReshareRequest, status: 204 },
  { method: 'get', path: '/keys/reshare-requests', tag: 'keys', summary: 'Requests addressed to this device', answer: P.ReshareRequestList },
  { method: 'post', path: '/keys/reshare-requests/ack', tag: 'keys', summary: 'Delete requests this device has served', body: Ids, status: 204 },
  { method: 'get', path: '/keys/backup', tag: 'keys', summary: 'Your encrypted key backup: version, key check, entry count (or null)', answer: P.KeyBackupAnswer },
  { method: 'put', path: '/keys/backup', tag: 'keys', summary: 'Make a new backup version current (first backup or a rotated recovery key); 409 when the current one changed', body: P.CommitKeyBackup, answer: P.KeyBackupAnswer },
  { method: 'post', path: '/keys/backup/entries', tag: 'keys', summary: 'Add sealed entries to the current backup version or the one being written; 409 for any other', body: P.UploadBackupEntries, status: 204 },
  { method: 'get', path: '/keys/backup/entries', tag: 'keys', summary: "The current backup's sealed entries, in upload order", query: P.BackupEntryQuery, answer: P.BackupEntryPage },
  { method: 'get', path: '//healthz', tag: 'operations', auth: false, summary: 'The process is alive', answer: P.Health },
  { method: 'get', path: '//readyz', tag: 'operations', auth: false, summary: 'Its database (and Redis) answer; 503 otherwise', answer: P.Health },
];

const json = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;

/** Express path → OpenAPI path and its parameters. */
function pathOf(op: Operation): { path: string; params: string[] } {
  const raw = op.path.startsWith('//') ? op.path.slice(1) : `${P.API_PREFIX}${op.path}`;
  const params = [...raw.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
  return { path: raw.replace(/:(\w+)/g, '{$1}'), params };
}

/** The operations, for tests that call each one. */
export function operations(): readonly { method: string; path: string; auth: boolean }[] {
  return OPERATIONS.map((op) => ({ method: op.method.toUpperCase(), path: pathOf(op).path, auth: op.auth !== false }));
}

/** The OpenAPI 3.1 document, generated from the protocol's zod schemas. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { description: 'An error: `{error: {code, message, issues?}}` with a stable code (see docs/protocol.md)', content: { 'application/json': { schema: json(P.ErrorBody, 'output') } } };
  for (const op of OPERATIONS) {
    const { path, params } = pathOf(op);
    const parameters: Record<string, unknown>[] = params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    if (op.query) {
      const schema = json(op.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(schema.properties ?? {})) parameters.push({ name, in: 'query', required: (schema.required ?? []).includes(name), schema: s });
    }
    const status = String(op.status ?? 200);
    (paths[path] ??= {})[op.method] = {
      operationId: `${op.method}${path.replace(/[{}]/g, '').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: op.summary,
      tags: [op.tag],
      ...(op.auth === false ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: json(op.body, 'input') } } } } : {}),
      responses: {
        [status]: op.answer ? { description: 'OK', content: { 'application/json': { schema: json(op.answer, 'output') } } } : { description: 'Done' },
        default: error,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'chat',
      version: '1',
      description:
        'The REST half of the chat protocol. Live events, typing and presence travel over the WebSocket at /ws (see docs/protocol.md). Private rooms carry only end-to-end encrypted envelopes.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    tags: ['auth', 'rooms', 'messages', 'invites', 'keys', 'search', 'operations'].map((name) => ({ name })),
    paths,
  };
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** /api/docs: the document as a readable page, with no scripts (the CSP allows none). */
export function docsPage(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, { summary: string; requestBody?: unknown; responses: Record<string, unknown>; parameters?: unknown[] }>>;
  const sections = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, op]) => `<section><h2><code>${method.toUpperCase()} ${escape(path)}</code></h2><p>${escape(op.summary)}</p>
${op.parameters ? `<details><summary>Parameters</summary><pre>${escape(JSON.stringify(op.parameters, null, 2))}</pre></details>` : ''}
${op.requestBody ? `<details><summary>Request body</summary><pre>${escape(JSON.stringify(op.requestBody, null, 2))}</pre></details>` : ''}
<details><summary>Responses</summary><pre>${escape(JSON.stringify(op.responses, null, 2))}</pre></details></section>`,
    ),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>chat API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}h2{font-size:1rem;margin:1.5rem 0 .25rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto;font-size:12px}@media(prefers-color-scheme:dark){body{background:#111;color:#ddd}pre{background:#222}}</style>
</head><body><h1>chat API</h1><p>${escape(String((doc.info as { description: string }).description))} The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
${sections.join('\n')}</body></html>`;
}
