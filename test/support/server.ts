import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createServer } from '../../server/app.js';
import type { ChatServer } from '../../server/app.js';
import type { Bus } from '../../server/bus/bus.js';
import { createAdapters } from '../../server/adapters.js';
import { migrate } from '../../server/store/migrate.js';
import { createPgliteClient } from '../../server/store/pglite-client.js';
import { SqlStore } from '../../server/store/sql-store.js';
import type { Store } from '../../server/store/store.js';
import type { ServerDeps } from '../../server/app.js';
import { DEFAULT_FRAME_BUDGET } from '../../server/ratelimit/flood-guard.js';
import type { FrameBudget } from '../../server/ratelimit/flood-guard.js';

/** A server on an in-memory PGlite (or a given store), listening on a free loopback port. */
export interface TestServer {
  readonly url: string;
  readonly server: ChatServer;
  readonly store: Store;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** A bus to use instead (a lossy one, say). */
  readonly bus?: Bus;
  readonly authRateLimit?: number;
  readonly searchRateLimit?: number;
  readonly searchTimeoutMs?: number;
  readonly refreshRateLimit?: number;
  /** How long a live session is trusted without the store, in ms. */
  readonly sessionCacheTtlMs?: number;
  /** The server's clock (default Date.now). */
  readonly now?: () => number;
  readonly heartbeatMs?: number;
  /** Open sockets one user may hold on the instance. */
  readonly maxSocketsPerUser?: number;
  readonly positionCheckMs?: number;
  /** WebSocket frame limits; DEFAULT_FRAME_BUDGET's windows and refusal count unless given. */
  readonly frameBudget?: Partial<FrameBudget>;
  readonly summaryModel?: ServerDeps['summaryModel'];
  /** Share this store (several instances on one database) instead of a fresh PGlite. */
  readonly store?: Store;
  /** Join other instances through Redis, under this key prefix. */
  readonly redis?: { readonly url: string; readonly prefix: string };
  /** How long a Redis command may take before it fails (the adapters' default unless given). */
  readonly redisCommandTimeoutMs?: number;
  /** Log here instead of nowhere (TEST_LOG_LEVEL still shows the log when not given). */
  readonly logger?: Logger;
  /** Serve this folder as the web client. */
  readonly webRoot?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  let store = options.store;
  const ownStore = !store;
  if (!store) {
    const sql = await createPgliteClient(undefined);
    await migrate(sql);
    store = new SqlStore(sql);
  }
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const shared = await createAdapters({
    redisUrl: options.redis?.url,
    prefix: options.redis?.prefix ?? 'chat:',
    logger,
    ...(options.redisCommandTimeoutMs ? { commandTimeoutMs: options.redisCommandTimeoutMs } : {}),
  });
  const bus = options.bus ?? shared.bus;
  const server = await createServer({
    store,
    bus,
    cache: shared.cache,
    presence: shared.presence,
    ...(shared.rateLimitStore ? { rateLimitStore: shared.rateLimitStore } : {}),
    ...(options.positionCheckMs ? { positionCheckMs: options.positionCheckMs } : {}),
    logger,
    jwtSecret: 'test-secret-test-secret-test-secret-0123',
    authRateLimit: options.authRateLimit ?? 1000,
    searchRateLimit: options.searchRateLimit ?? 1000,
    ...(options.searchTimeoutMs ? { searchTimeoutMs: options.searchTimeoutMs } : {}),
    refreshRateLimit: options.refreshRateLimit ?? 1000,
    ...(options.now ? { now: options.now } : {}),
    ...(options.sessionCacheTtlMs ? { sessionCacheTtlMs: options.sessionCacheTtlMs } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.maxSocketsPerUser ? { maxSocketsPerUser: options.maxSocketsPerUser } : {}),
    ...(options.frameBudget ? { frameBudget: { ...DEFAULT_FRAME_BUDGET, ...options.frameBudget } } : {}),
    ...(options.summaryModel ? { summaryModel: options.summaryModel } : {}),
    ...(options.webRoot ? { webRoot: options.webRoot } : {}),
  });
  await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
  const { port } = server.http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    store,
    async stop() {
      await server.close();
      if (options.bus) await options.bus.close();
      await shared.close();
      if (ownStore) await (store as Store).close();
    },
  };
}
