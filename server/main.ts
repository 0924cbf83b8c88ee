#!/usr/bin/env node
// The chat-server binary: the only server file that reads the environment, listens and exits.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { leanStart } from './heap-policy.js';
import type { SqlClient } from './store/sql-client.js';
import type { SqlStore } from './store/sql-store.js';

/**
 * The server's modules, imported once `leanStart` has set V8's flags: a static import would evaluate
 * them (express, zod, ws, pino, prom-client, the search tokenizer) before main runs, and their start
 * would grow the young generation the flags keep small (see heap-policy.ts).
 */
async function serverModules() {
  const [{ pino }, { createServer }, { createAdapters }, { DataDirBusy, lockDataDir }, { loadConfig, SERVER_USAGE }, { packagePath }, { runShutdown }, { reindexSearch }, { migrate }, { openEmbeddedDatabase }, { SqlStore }] =
    await Promise.all([
      import('pino'),
      import('./app.js'),
      import('./adapters.js'),
      import('./data-dir-lock.js'),
      import('./config.js'),
      import('./package-path.js'),
      import('./shutdown.js'),
      import('./store/search-reindex.js'),
      import('./store/migrate.js'),
      import('./store/pglite-worker-client.js'),
      import('./store/sql-store.js'),
    ]);
  return { pino, createServer, createAdapters, DataDirBusy, lockDataDir, loadConfig, SERVER_USAGE, packagePath, runShutdown, reindexSearch, migrate, openEmbeddedDatabase, SqlStore };
}

/** The secret from the environment, or one generated once and kept (0600) in the data dir. */
async function jwtSecret(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured) return configured;
  const file = join(dataDir, 'jwt-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const secret = randomBytes(48).toString('base64url');
    await writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
    return (await readFile(file, 'utf8')).trim();
  }
}

async function main(): Promise<void> {
  // Before the database thread starts: see heap-policy.ts (V8 settings for a lean idle server).
  const started = leanStart();
  const { pino, createServer, createAdapters, DataDirBusy, lockDataDir, loadConfig, SERVER_USAGE, packagePath, runShutdown, reindexSearch, migrate, openEmbeddedDatabase, SqlStore } = await serverModules();
  const loaded = loadConfig(process.argv.slice(2), process.env);
  if (loaded.ok === 'help') {
    process.stdout.write(SERVER_USAGE + '\n');
    return;
  }
  if (!loaded.ok) {
    process.stderr.write(`chat-server: ${loaded.error}\n`);
    process.exit(2);
  }
  const config = loaded.config;
  // The built web client, when there is one.
  const index = packagePath(join('web', 'dist', 'index.html'), import.meta.url);
  const webRoot = index ? dirname(index) : undefined;
  const logger = pino({ level: config.logLevel, base: { pid: process.pid } });
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });

  // Two servers on one embedded database would corrupt it: the first holds the data dir, others refuse.
  let unlockDataDir: () => Promise<void> = async () => undefined;
  let stop: (signal: string) => Promise<void> = async () => undefined;
  if (!config.databaseUrl) {
    try {
      unlockDataDir = await lockDataDir(dataDir, (error) => {
        logger.error({ err: error.message, dataDir }, 'lost the lock on the data dir; stopping');
        void stop('data dir lock lost');
      });
    } catch (error) {
      process.stderr.write(`chat-server: ${error instanceof DataDirBusy ? error.message : `cannot lock the data dir ${dataDir}: ${(error as Error).message}`}\n`);
      process.exit(1);
    }
  }

  let sql: SqlClient;
  const logApplied = (applied: string[]): void => {
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
  };
  // Stopped while the database is prepared (a first start's initdb takes seconds): the initdb child
  // is killed and waited for before the lock is released, so no second server finds it still writing.
  const preparing = new AbortController();
  const stopPreparing = (): void => preparing.abort();
  process.on('SIGINT', stopPreparing);
  process.on('SIGTERM', stopPreparing);
  try {
    if (config.databaseUrl) {
      // The PostgreSQL driver (and below, the OpenAI SDK) load only when configured: the embedded
      // default runs without them, and each costs the idle server several MiB.
      const { createPgClient } = await import('./store/pg-client.js');
      sql = createPgClient(config.databaseUrl);
      logApplied(await migrate(sql));
    } else {
      // The embedded database runs on its own thread, built beside this file.
      const workerScript = new URL('./pglite-worker.js', import.meta.url);
      // A fresh data dir is created by a child process of this Node, so that what initdb used is returned.
      sql = await openEmbeddedDatabase(join(dataDir, 'pglite'), workerScript, async (opened) => logApplied(await migrate(opened)), process.execPath, preparing.signal);
    }
    if (preparing.signal.aborted) {
      await sql.close();
      throw preparing.signal.reason;
    }
  } catch (error) {
    if (preparing.signal.aborted) {
      await unlockDataDir();
      logger.info('stopped while preparing the database');
      process.exit(0);
    }
    process.stderr.write(`chat-server: cannot prepare the database${config.databaseUrl ? ' at DATABASE_URL' : ` in ${dataDir}`}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.off('SIGINT', stopPreparing);
  process.off('SIGTERM', stopPreparing);
  let store: SqlStore;
  if (config.mongodbUrl) {
    try {
      // Loaded only when asked for: the driver is not small.
      const { SqlMongoStore } = await import('./store/mongo-message-store.js');
      store = await SqlMongoStore.open(sql, config.mongodbUrl);
    } catch (error) {
      process.stderr.write(`chat-server: cannot use MongoDB at MONGODB_URL: ${(error as Error).message}\n`);
      process.exit(1);
    }
  } else {
    store = new SqlStore(sql);
  }
  // Messages stored before the search tokenizer get their terms in the background (resumable).
  const reindexStarted = Date.now();
  void reindexSearch(store)
    .then((done) => done > 0 && logger.info({ messages: done, ms: Date.now() - reindexStarted }, 'search terms written for older messages'))
    .catch((error: unknown) => logger.error({ err: (error as Error).message }, 'search re-index stopped; it resumes at the next start'));
  let shared;
  try {
    shared = await createAdapters({ redisUrl: config.redisUrl, prefix: config.redisPrefix, logger });
  } catch (error) {
    process.stderr.write(`chat-server: cannot reach Redis at REDIS_URL: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const OpenAI = config.ai ? (await import('openai')).default : undefined;
  const server = await createServer({
    store,
    bus: shared.bus,
    cache: shared.cache,
    presence: shared.presence,
    ...(shared.rateLimitStore ? { rateLimitStore: shared.rateLimitStore, sharedReady: shared.ping } : {}),
    logger,
    jwtSecret: await jwtSecret(config.jwtSecret, dataDir),
    origins: config.origins,
    trustProxy: config.trustProxy,
    processMetrics: true,
    ...(webRoot ? { webRoot } : {}),
    authRateLimit: config.authRateLimit,
    searchRateLimit: config.searchRateLimit,
    searchTimeoutMs: config.searchTimeoutMs,
    maxSocketsPerUser: config.maxSocketsPerUser,
    ...(config.ai && OpenAI
      ? {
          summaryModel: {
            // A local server may need no key; the SDK insists on one.
            client: new OpenAI({ apiKey: config.ai.apiKey ?? 'none', baseURL: config.ai.baseUrl, maxRetries: 2, timeout: 120_000 }),
            model: config.ai.model,
            baseUrl: config.ai.baseUrl,
            contextTokens: config.ai.contextTokens,
          },
        }
      : {}),
  });

  server.http.once('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(`chat-server: cannot listen on port ${config.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}\n`);
    process.exit(1);
  });
  // A deep accept queue (the kernel caps it at net.core.somaxconn): after a restart thousands of
  // clients connect at once, and past Node's default of 511 their SYNs are dropped and retried 1 s later.
  server.http.listen({ port: config.port, host: config.host, backlog: 4096 }, () => {
    const address = server.http.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const summaries = config.ai ? `${config.ai.model} at ${config.ai.baseUrl}` : 'offline';
    started();
    logger.info({ port, storage: `${config.databaseUrl ? 'postgres' : 'pglite'}${config.mongodbUrl ? ' + mongodb messages' : ''}`, shared: config.redisUrl ? 'redis' : 'in-process', dataDir, summaries }, `listening on http://${displayHost(config.host)}:${port}`);
  });

  let stopping = false;
  stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadlineMs = config.shutdownTimeoutMs;
    logger.info({ signal, deadlineMs }, 'shutting down');
    // The last resort, should a step block the event loop itself: the process ends a little after the deadline.
    setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, deadlineMs + 1_000);
    // Sockets and in-flight requests first (most of the time), then Redis, then the database; each is
    // given up on, not waited for, when what it talks to is gone.
    const outcome = await runShutdown(
      [
        { name: 'http', timeoutMs: deadlineMs * 0.6, run: () => server.close(), onTimeout: () => server.http.closeAllConnections() },
        { name: 'shared state', timeoutMs: deadlineMs * 0.2, run: () => shared.close() },
        { name: 'database', timeoutMs: deadlineMs * 0.2, run: () => store.close() },
        { name: 'data dir lock', timeoutMs: deadlineMs * 0.1, run: () => unlockDataDir() },
      ],
      { deadlineMs },
    );
    if (outcome.failures.length > 0) {
      logger.error({ failures: outcome.failures.map((f) => ({ step: f.name, reason: f.reason, err: f.error })) }, 'stopped, giving up on some steps');
      process.exit(1);
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`chat-server: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

/** The host to show in the "listening on" line: the one given, or localhost when it listens on every address. */
function displayHost(host: string | undefined): string {
  if (host === undefined || host === '' || host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
