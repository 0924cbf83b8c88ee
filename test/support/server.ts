import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createServer } from '../../server/app.js';
import type { ChatServer } from '../../server/app.js';
import type { Bus } from '../../server/bus/bus.js';
import { MemoryBus } from '../../server/bus/memory-bus.js';
import { MemoryCache } from '../../server/cache/memory-cache.js';
import { MemoryPresence } from '../../server/presence/memory-presence.js';
import { migrate } from '../../server/store/migrate.js';
import { createPgliteClient } from '../../server/store/pglite-client.js';
import { SqlStore } from '../../server/store/sql-store.js';
import type { Store } from '../../server/store/store.js';
import type { ServerDeps } from '../../server/app.js';

/** A server on an in-memory PGlite, listening on a free loopback port. */
export interface TestServer {
  readonly url: string;
  readonly server: ChatServer;
  readonly store: Store;
  stop(): Promise<void>;
}

/** Options: a bus to use (a lossy one, say), the sign-in rate limit, the heartbeat interval, an AI provider. */
export async function startTestServer(options: { bus?: Bus; authRateLimit?: number; heartbeatMs?: number; summaryModel?: ServerDeps['summaryModel'] } = {}): Promise<TestServer> {
  const sql = await createPgliteClient(undefined);
  await migrate(sql);
  const store = new SqlStore(sql);
  const bus = options.bus ?? new MemoryBus();
  const cache = new MemoryCache();
  const server = await createServer({
    store,
    bus,
    cache,
    presence: new MemoryPresence(),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    jwtSecret: 'test-secret-test-secret-test-secret-0123',
    authRateLimit: options.authRateLimit ?? 1000,
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.summaryModel ? { summaryModel: options.summaryModel } : {}),
  });
  await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
  const { port } = server.http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    store,
    async stop() {
      await server.close();
      await bus.close();
      await cache.close();
      await store.close();
    },
  };
}
