import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../shared/client/api-client.js';
import type { FetchLike } from '../../shared/client/api-client.js';
import { MemorySessionStore } from '../../shared/client/session-store.js';
import { mountedRoutes } from '../../test/support/express-routes.js';
import { startTestServer } from '../../test/support/server.js';
import type { TestServer } from '../../test/support/server.js';
import { operations } from './openapi.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 by an independent validator', async () => {
    const doc = (await (await fetch(`${t.url}/api/openapi.json`)).json()) as Record<string, unknown>;
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists only routes that exist, with the right authentication', async () => {
    for (const op of operations()) {
      const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'id' ? '00000000-0000-4000-8000-000000000000' : 'x'.repeat(43)));
      const res = await fetch(`${t.url}${path}`, { method: op.method, headers: { 'content-type': 'application/json' }, ...(op.method === 'GET' ? {} : { body: '{}' }) });
      const body = (await res.text()) || '{}';
      const error = (JSON.parse(body) as { error?: { code: string; message: string } }).error;
      expect(error?.message ?? '', `${op.method} ${op.path}`).not.toMatch(/^no route/);
      if (op.auth) expect(res.status, `${op.method} ${op.path} without a token`).toBe(401);
    }
  });

  it('is readable at /api/docs, with no scripts', async () => {
    const res = await fetch(`${t.url}/api/docs`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await res.text();
    expect(html).toContain('POST /api/v1/rooms/{room}/messages');
    expect(html).not.toMatch(/<script/i);
  });
});

/** Served on purpose without an entry in the document, each for a reason. */
const UNDOCUMENTED = new Set([
  'GET /metrics', // Prometheus text for operators, not part of the API
  'GET /api/openapi.json', // the document itself
  'GET /api/docs', // the document as a page
]);

const documented = () => new Set(operations().map((op) => `${op.method} ${op.path}`));

describe('the OpenAPI table and the mounted routes', () => {
  it('documents every route the app mounts, and mounts every route it documents', () => {
    const mounted = new Set(mountedRoutes(t.server.http.listeners('request')[0]).map((r) => `${r.method} ${r.path}`));
    expect(mounted.size).toBeGreaterThan(UNDOCUMENTED.size);
    expect([...mounted].filter((r) => !documented().has(r) && !UNDOCUMENTED.has(r)), 'mounted but not documented').toEqual([]);
    expect([...documented()].filter((r) => !mounted.has(r)), 'documented but not mounted').toEqual([]);
  });
});

const UUID = '00000000-0000-4000-8000-000000000000';

/**
 * Every ApiClient method that talks to the server, called once with placeholder arguments. Adding a
 * method to ApiClient fails the test below until it is listed here or in NO_REQUEST_OF_ITS_OWN.
 */
const INVOCATIONS: Record<string, (api: ApiClient) => Promise<unknown>> = {
  register: (api) => api.register({ username: 'alice', password: 'p'.repeat(12) }),
  login: (api) => api.login({ username: 'alice', password: 'p'.repeat(12) }, { deviceId: UUID, prove: async () => 's'.repeat(86) }),
  logout: (api) => api.logout(),
  me: (api) => api.me(),
  rooms: (api) => api.rooms(),
  directory: (api) => api.directory({ q: 'gen', limit: 5 }),
  setTopic: (api) => api.setTopic('general', 'plans'),
  room: (api) => api.room('general'),
  createRoom: (api) => api.createRoom({ name: 'general' }),
  join: (api) => api.join('general'),
  leave: (api) => api.leave('general'),
  members: (api) => api.members('general'),
  history: (api) => api.history('general', { after: 3, limit: 10 }),
  search: (api) => api.search({ q: 'hello' }),
  summarize: (api) => api.summarize('general', {}),
  send: (api) => api.send('general', 'hi', UUID, 1),
  sendEnvelope: (api) => api.sendEnvelope('plans', {} as never, 1),
  sendRelation: (api) => api.sendRelation('plans', { clientMsgId: UUID, body: 'x', relatesTo: { type: 'reply', eventId: UUID } }, 1),
  deleteMessage: (api) => api.deleteMessage('plans', 3),
  setReadMarker: (api) => api.setReadMarker('plans', 3),
  readMarkers: (api) => api.readMarkers(),
  createInvite: (api) => api.createInvite('general'),
  invites: (api) => api.invites('general'),
  revokeInvite: (api) => api.revokeInvite('general', UUID),
  redeemInvite: (api) => api.redeemInvite('http://chat.test/invite/tok'),
  kick: (api) => api.kick('general', 'bob'),
  directMessage: (api) => api.directMessage('bob'),
  publishBundle: (api) => api.publishBundle({} as never),
  revokeDevice: (api) => api.revokeDevice(UUID),
  revokeAllDevices: (api) => api.revokeAllDevices(),
  devicesOfRoom: (api) => api.devicesOfRoom('plans'),
  devicesOfUser: (api) => api.devicesOfUser('bob'),
  deviceActivity: (api) => api.deviceActivity(),
  postShares: (api) => api.postShares([{} as never]),
  pendingShares: (api) => api.pendingShares(),
  ackShares: (api) => api.ackShares([UUID]),
  requestReshare: (api) => api.requestReshare({} as never),
  reshareRequests: (api) => api.reshareRequests(),
  ackReshareRequests: (api) => api.ackReshareRequests([UUID]),
  publishIdentity: (api) => api.publishIdentity('k', 's'),
  signDevice: (api) => api.signDevice(UUID, 's'),
  startVerification: (api) => api.startVerification(UUID, 'c'),
  verifications: (api) => api.verifications(),
  verification: (api) => api.verification(UUID),
  verificationStep: (api) => api.verificationStep(UUID, {} as never),
  keyBackup: (api) => api.keyBackup(),
  commitKeyBackup: (api) => api.commitKeyBackup({ version: 1, keyCheck: 'k'.repeat(43), previousVersion: null }),
  uploadBackupEntries: (api) => api.uploadBackupEntries({ version: 1, keyCheck: 'k'.repeat(43), entries: [] }),
  backupEntries: (api) => api.backupEntries('5'),
  wsTicket: (api) => api.wsTicket(),
  renewSession: (api) => api.renewSession('token'), // the stored session's own token: it refreshes
  restoreCookieSession: (api) => api.restoreCookieSession(),
};

/** Methods (and private helpers) that make no request of their own, or only the ones listed above. */
const NO_REQUEST_OF_ITS_OWN = new Set(['session', 'freshSession', 'msUntilRenewal', 'refresh', 'withTokens', 'refreshBody', 'startSession', 'call', 'fetchOnce', 'retrying']);

describe("ApiClient's calls", () => {
  it('lists every method of ApiClient, as a call or as making none of its own', () => {
    const methods = Object.getOwnPropertyNames(ApiClient.prototype).filter((name) => name !== 'constructor');
    expect(methods.filter((name) => !(name in INVOCATIONS) && !NO_REQUEST_OF_ITS_OWN.has(name))).toEqual([]);
  });

  it.each(Object.entries(INVOCATIONS))('%s asks only for documented operations', async (_name, invoke) => {
    const asked: string[] = [];
    // Every answer is a refusal, so each method stops after its request (and nothing is retried).
    const fetch: FetchLike = async (url, init) => {
      asked.push(`${init.method} ${new URL(url).pathname}`);
      return { status: 400, ok: false, text: async () => JSON.stringify({ error: { code: 'invalid_request', message: 'recorded' } }) };
    };
    const sessions = new MemorySessionStore();
    await sessions.save({ user: { id: UUID, username: 'alice' }, deviceId: UUID, accessToken: 'token', accessExpiresAt: new Date(Date.now() + 600_000).toISOString(), refreshToken: 'r'.repeat(43) });
    await invoke(new ApiClient({ serverUrl: 'http://chat.test', fetch, sessions, sleep: async () => {}, random: () => 0 })).catch(() => {});
    expect(asked.length).toBeGreaterThan(0);
    const patterns = operations().map((op) => ({ op: `${op.method} ${op.path}`, re: new RegExp(`^${op.method} ${op.path.replace(/\{\w+\}/g, '[^/]+')}$`) }));
    for (const request of asked) expect(patterns.filter((p) => p.re.test(request)).map((p) => p.op), request).not.toEqual([]);
  });
});
