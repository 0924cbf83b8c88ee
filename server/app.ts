import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import type { IncomingMessage, Server } from 'node:http';
import express from 'express';
import type { RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Store as RateLimitStore } from 'express-rate-limit';
import helmet, { strictTransportSecurity } from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { API_PREFIX, ChatError, DirectMessageRequest } from '../shared/protocol/index.js';
import type { Me } from '../shared/protocol/index.js';
import type { Bus } from './bus/bus.js';
import type { Cache } from './cache/cache.js';
import { authRoutes, presentedRefreshToken } from './http/auth-routes.js';
import { inviteRoutes } from './http/invite-routes.js';
import { keyRoutes } from './http/key-routes.js';
import { authenticate, claimsOf } from './http/authenticate.js';
import { errorHandler } from './http/errors.js';
import { loggablePath } from './http/log-path.js';
import { docsPage, openApiDocument } from './http/openapi.js';
import { pathGuard } from './http/path-guard.js';
import { roomRoutes } from './http/room-routes.js';
import { ReadMarkerService } from './services/read-marker-service.js';
import { searchRoutes } from './http/search-routes.js';
import { restRateLimit } from './http/rest-rate-limit.js';
import type { RestRateLimitOptions } from './http/rest-rate-limit.js';
import { parse } from './http/validate.js';
import type { Presence } from './presence/presence.js';
import { AuthService } from './services/auth-service.js';
import { InviteService } from './services/invite-service.js';
import { DeviceVerificationService } from './services/device-verification-service.js';
import { KeyBackupService } from './services/key-backup-service.js';
import { DeviceActivity } from './services/device-activity.js';
import { KeyService } from './services/key-service.js';
import { MessageService } from './services/message-service.js';
import { RoomService } from './services/room-service.js';
import { SearchService } from './services/search-service.js';
import { SessionGuard } from './services/session-guard.js';
import { SummaryService } from './services/summary-service.js';
import { TokenIssuer } from './services/tokens.js';
import type { ModelConfig } from '../shared/summarize/index.js';
import type { Store } from './store/store.js';
import { Gateway } from './ws/gateway.js';
import { DEFAULT_FRAME_BUDGET } from './ratelimit/flood-guard.js';
import type { FrameBudget } from './ratelimit/flood-guard.js';
import { instrumentStore, Metrics } from './metrics.js';

/** Everything the server runs on, chosen by the caller (server/main.ts, or a test). */
export interface ServerDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly cache: Cache;
  readonly presence: Presence;
  readonly logger: Logger;
  /** HS256 secret for access tokens, at least 32 characters. */
  readonly jwtSecret: string;
  /** Browser origins allowed for CORS and WebSockets besides the server's own. */
  readonly origins?: readonly string[];
  /** Express's `trust proxy`: whose X-Forwarded-For names the client (default loopback). */
  readonly trustProxy?: string;
  /** Sign-in attempts per IP per minute (register, login). */
  readonly authRateLimit?: number;
  /** Searches per user per minute (default 30). */
  readonly searchRateLimit?: number;
  /** How long one search may run on a PostgreSQL server before it is canceled (default 5,000 ms; PGlite cannot). */
  readonly searchTimeoutMs?: number;
  /** Refreshes per session per minute (default 10), counted apart from the sign-in limit. */
  readonly refreshRateLimit?: number;
  /** How long a session found live is trusted without asking the store, in ms (default 5 s). */
  readonly sessionCacheTtlMs?: number;
  /** How often every open socket's session is re-checked, in ms (default 5 s, the session cache's default TTL). */
  readonly sessionSweepMs?: number;
  readonly heartbeatMs?: number;
  /** Open sockets one user may hold on this instance (default 20); past it an upgrade answers 429. */
  readonly maxSocketsPerUser?: number;
  /** What WebSocket frames may cost per socket and per user (DEFAULT_FRAME_BUDGET when absent). */
  readonly frameBudget?: FrameBudget;
  /** How often live room feeds re-check their position against the store. */
  readonly positionCheckMs?: number;
  /**
   * Where REST rate limits count, by limiter name: shared (Redis) so that a limit holds across
   * instances; in-process when absent.
   */
  readonly rateLimitStore?: (name: string) => RateLimitStore;
  /** Also export Node's process metrics (CPU, memory, event loop, GC) at /metrics; once per process. */
  readonly processMetrics?: boolean;
  /** The built web client (web/dist), served at `/`; without it `/` says how to build it. */
  readonly webRoot?: string;
  /** Whether the shared state (Redis) answers, for /readyz; absent for in-process adapters. */
  readonly sharedReady?: () => Promise<boolean>;
  /** The AI provider for open-room summaries; without one the offline summarizer answers. */
  readonly summaryModel?: ModelConfig & { readonly baseUrl: string };
  readonly now?: () => number;
}

/** A running server: its HTTP server (not yet listening) and a graceful stop. */
export interface ChatServer {
  readonly http: Server;
  readonly gateway: Gateway;
  /** Stops accepting, closes sockets with "going away", lets in-flight requests finish. Leaves deps open. */
  close(): Promise<void>;
}

/** The server's own origin as a browser would send it, from the request's Host. */
function ownOrigin(req: IncomingMessage): string | undefined {
  return req.headers.host ? `http://${req.headers.host}` : undefined;
}

/**
 * Builds the server from its dependencies, with nothing global, so a test can start several in one
 * process. Call `gateway.start()` before listening (createServer does it for you via the returned promise).
 */
export async function createServer(deps: ServerDeps): Promise<ChatServer> {
  const now = deps.now ?? Date.now;
  const origins = new Set(deps.origins ?? []);
  const isOriginAllowed = (origin: string, req: IncomingMessage) => origins.has(origin) || origin === ownOrigin(req) || origin === ownOrigin(req)?.replace('http:', 'https:');

  const metrics = new Metrics(deps.processMetrics ?? false);
  const store = instrumentStore(deps.store, metrics);
  const tokens = new TokenIssuer(deps.jwtSecret, now);
  const auth = new AuthService({ store, tokens, cache: deps.cache, bus: deps.bus, now });
  const guard = new SessionGuard({ store, ...(deps.sessionCacheTtlMs === undefined ? {} : { ttlMs: deps.sessionCacheTtlMs }) });
  const activity = new DeviceActivity(store, { now, onError: (error) => deps.logger.warn({ err: error }, 'recording when a device was last seen failed') });
  const requireAuth = authenticate(tokens, guard, activity);
  const rooms = new RoomService({ store, bus: deps.bus, presence: deps.presence });
  const messages = new MessageService({ store, bus: deps.bus, rooms, metrics });
  const readMarkers = new ReadMarkerService({ store, bus: deps.bus, rooms });
  const invites = new InviteService({ store, bus: deps.bus, rooms, now });
  const verifications = new DeviceVerificationService({ store, bus: deps.bus });
  const keys = new KeyService({ store, bus: deps.bus, rooms, verifications });
  const search = new SearchService({ store, cache: deps.cache, rooms, timeoutMs: deps.searchTimeoutMs ?? 5_000 });
  const summaries = new SummaryService({ store, cache: deps.cache, rooms, model: deps.summaryModel });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
      // Method, path and status only: headers carry tokens, query strings tickets, and paths invite tokens.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: loggablePath(req.url) }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  // helmet's defaults, except two that break a server reached over plain HTTP by any name but
  // localhost (a LAN address): `upgrade-insecure-requests` would send the page's scripts to https, and
  // HSTS would pin the host to https. HSTS goes only with requests that came over HTTPS.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } }, strictTransportSecurity: false }));
  const hsts = strictTransportSecurity();
  app.use((req, res, next) => (req.secure ? hsts(req, res, next) : next()));
  app.use(cors(isOriginAllowed));
  app.use(pathGuard());
  app.use(express.json({ limit: '128kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  app.get('/readyz', async (_req, res) => {
    const ok = (await store.ping()) && (deps.sharedReady ? await deps.sharedReady() : true);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable' });
  });

  const limited = (name: string, perMinute: number, what: string, key: RestRateLimitOptions['key']) =>
    restRateLimit({ name, perMinute, what, key, ...(deps.rateLimitStore ? { store: deps.rateLimitStore } : {}), onLimited: () => metrics.rateLimited.inc({ kind: 'rest' }) });
  const authLimit = limited('auth', deps.authRateLimit ?? 30, 'sign-in attempts', 'ip');
  // A client refreshing in a loop (a clock far ahead) spends its own session's budget, not its address's.
  const refreshLimit = limited('refresh', deps.refreshRateLimit ?? 10, 'refreshes of this session', async (req) => {
    const token = presentedRefreshToken(req);
    const sessionId = token ? await auth.sessionOfRefreshToken(token) : null;
    return sessionId ? `session:${sessionId}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
  });
  app.use(`${API_PREFIX}/auth`, authRoutes(auth, requireAuth, { password: authLimit, refresh: refreshLimit }));
  // Summaries can cost money at the provider: a few per user per minute.
  const summaryLimit = limited('summary', 10, 'summaries', 'user');
  // A search is the costliest read there is.
  const searchLimit = limited('search', deps.searchRateLimit ?? 30, 'searches', 'user');
  app.post(`${API_PREFIX}/rooms/:room/summary`, requireAuth, summaryLimit);
  const inviteRouters = inviteRoutes(invites, authLimit);
  app.use(`${API_PREFIX}/rooms/:room/invites`, requireAuth, inviteRouters.room);
  app.use(`${API_PREFIX}/rooms`, requireAuth, roomRoutes(rooms, messages, keys, summaries, readMarkers));
  app.get(`${API_PREFIX}/read-markers`, requireAuth, async (_req, res) => {
    res.json({ markers: await readMarkers.list(claimsOf(res).userId) });
  });
  app.use(`${API_PREFIX}/search`, requireAuth, searchLimit, searchRoutes(search));
  app.use(`${API_PREFIX}/invites`, requireAuth, inviteRouters.redeem);
  app.use(`${API_PREFIX}/keys`, requireAuth, keyRoutes(keys, verifications, new KeyBackupService(store)));
  app.post(`${API_PREFIX}/dm`, requireAuth, async (req, res) => {
    const { username } = parse(DirectMessageRequest, req.body);
    res.json(await rooms.directMessage((res.locals.claims as { userId: string }).userId, username));
  });
  app.get(`${API_PREFIX}/me`, requireAuth, (_req, res) => {
    const { userId, username, deviceId } = res.locals.claims as { userId: string; username: string; deviceId: string };
    res.json({ user: { id: userId, username }, deviceId } satisfies Me);
  });
  const openApi = openApiDocument();
  const docs = docsPage(openApi);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.get('/api/docs', (_req, res) => {
    res.type('html').send(docs);
  });
  if (deps.webRoot) {
    const index = join(deps.webRoot, 'index.html');
    // Assets carry a content hash in their names, so they never change: cached for a year.
    app.use(
      express.static(deps.webRoot, {
        index: false,
        immutable: true,
        maxAge: '365d',
        setHeaders: (res, path) => path.endsWith('.html') && res.setHeader('Cache-Control', 'no-cache'),
      }),
    );
    // The app's own paths are the page, so a reload of a deep link works; the client's router reads
    // them (web/src/app.tsx names the same routes). Anything else is a 404 as before.
    app.get(['/', '/rooms/:room', '/invite/:token', '/settings'], (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  }
  app.use((req, _res, next) => next(new ChatError('not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.logger));

  const http = createHttpServer(app);
  const gateway = new Gateway({
    store,
    bus: deps.bus,
    presence: deps.presence,
    auth,
    tokens,
    guard,
    activity,
    messages,
    metrics,
    logger: deps.logger,
    isOriginAllowed,
    heartbeatMs: deps.heartbeatMs ?? 25_000,
    ...(deps.sessionSweepMs ? { sessionSweepMs: deps.sessionSweepMs } : {}),
    ...(deps.maxSocketsPerUser ? { maxSocketsPerUser: deps.maxSocketsPerUser } : {}),
    ...(deps.positionCheckMs ? { positionCheckMs: deps.positionCheckMs } : {}),
    connection: { maxBufferedBytes: 1024 * 1024, frameBudget: deps.frameBudget ?? DEFAULT_FRAME_BUDGET },
    now,
  });
  await gateway.start();
  http.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));

  return {
    http,
    gateway,
    async close() {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      await gateway.close();
      // In-flight requests get a few seconds to finish; whatever remains is cut.
      const timer = setTimeout(() => http.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(timer);
      await activity.flush();
    },
  };
}

/** CORS for the exact allowlist: no wildcard, credentials allowed for listed origins only. */
function cors(isAllowed: (origin: string, req: IncomingMessage) => boolean): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && isAllowed(origin, req)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET,POST,PUT,PATCH,DELETE');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization,Content-Type,X-Request-Id');
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
