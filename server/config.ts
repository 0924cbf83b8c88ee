import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_AI_BASE_URL, DEFAULT_AI_MODEL } from '../shared/summarize/index.js';

/** The server's settings, from flags and environment. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string | undefined;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** Messages in MongoDB instead of PostgreSQL (their order and seq stay in PostgreSQL). */
  readonly mongodbUrl: string | undefined;
  /** Redis joins instances (bus, presence, caches, rate limits); in-process when unset. */
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly jwtSecret: string | undefined;
  readonly origins: readonly string[];
  /** Which proxies' X-Forwarded-For to believe (Express's trust proxy): the client IP for rate limits. */
  readonly trustProxy: string;
  readonly logLevel: string;
  readonly authRateLimit: number;
  /** Searches per user per minute. */
  readonly searchRateLimit: number;
  /** How long one search may run on a PostgreSQL server (ms). */
  readonly searchTimeoutMs: number;
  /** Open WebSockets one user may hold on one instance. */
  readonly maxSocketsPerUser: number;
  /** How long a stop (SIGTERM, SIGINT) may take before the server gives up and exits non-zero, in ms. */
  readonly shutdownTimeoutMs: number;
  /** The AI provider for open-room summaries: set when OPENAI_API_KEY or OPENAI_BASE_URL is. */
  readonly ai: { readonly apiKey: string | undefined; readonly baseUrl: string; readonly model: string; readonly contextTokens: number } | undefined;
}

export const SERVER_USAGE = `Usage: chat-server [--port 8787] [--host ADDRESS] [--data-dir ./data]

Environment:
  DATABASE_URL          PostgreSQL instead of the embedded database (postgres://user@host:5432/db)
  MONGODB_URL           keep messages in MongoDB (mongodb://host:27017/chat); PostgreSQL still orders them
  REDIS_URL             Redis, to run several instances side by side (redis://host:6379)
  CHAT_REDIS_PREFIX     prefix of every Redis key and channel (default chat:)
  CHAT_JWT_SECRET       access-token secret, 32+ characters (default: generated and kept in the data dir)
  CHAT_TRUST_PROXY      proxies whose X-Forwarded-For is believed: loopback (default), uniquelocal, an address list
  CHAT_ORIGINS          browser origins allowed besides the server's own, comma-separated
  CHAT_AUTH_RATE_LIMIT  sign-in attempts per IP per minute (default 30)
  CHAT_SEARCH_RATE_LIMIT  searches per user per minute (default 30)
  CHAT_SEARCH_TIMEOUT_MS  a search on a PostgreSQL server is canceled after this long (default 5000)
  CHAT_MAX_SOCKETS_PER_USER  open sockets one user may hold on this instance (default 20)
  CHAT_SHUTDOWN_TIMEOUT_MS  how long a stop may take before giving up and exiting with 1 (default 10000)
  LOG_LEVEL             fatal, error, warn, info (default), debug, trace or silent
  OPENAI_API_KEY        AI summaries of open rooms (without it: the offline summarizer)
  OPENAI_BASE_URL       any OpenAI-compatible server (default https://api.openai.com/v1)
  CHAT_AI_MODEL         the model (default gpt-4o-mini)
  CHAT_AI_CONTEXT_TOKENS  the model's context window; longer rooms are summarized in parts (default 16000)`;

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  CHAT_DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: z
    .url({ message: 'must be a postgres:// URL' })
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  MONGODB_URL: z
    .string()
    .refine((u) => /^mongodb(\+srv)?:\/\/[^/]/.test(u) && URL.canParse(u), 'must be a mongodb:// or mongodb+srv:// URL')
    .optional(),
  REDIS_URL: z
    .url({ message: 'must be a redis:// URL' })
    .refine((u) => /^rediss?:\/\//.test(u), 'must be a redis:// or rediss:// URL')
    .optional(),
  CHAT_REDIS_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/, 'letters, digits, _ : . - only').optional(),
  CHAT_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  CHAT_ORIGINS: z
    .string()
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url().refine((u) => URL.canParse(u) && new URL(u).origin === u, 'each origin is scheme://host[:port], with no path')))
    .optional(),
  CHAT_TRUST_PROXY: z.string().regex(/^[\w.:/, -]{1,200}$/, 'loopback, linklocal, uniquelocal, or addresses/subnets, comma-separated').optional(),
  CHAT_AUTH_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).optional(),
  CHAT_SEARCH_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).optional(),
  CHAT_SEARCH_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).optional(),
  CHAT_MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(100_000).optional(),
  CHAT_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ message: 'must be an http(s) URL' }).refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL').optional(),
  CHAT_AI_MODEL: z.string().min(1).max(200).optional(),
  CHAT_AI_CONTEXT_TOKENS: z.coerce.number().int().min(2_000).max(10_000_000).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

const Flags = z.object({
  port: z.coerce.number({ message: 'must be a number' }).int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  'data-dir': z.string().min(1).optional(),
});

/** Reads flags and environment; returns the config, `help`, or one line naming the bad setting. */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; config: ServerConfig } | { ok: false; error: string } | { ok: 'help' } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  if (values.help) return { ok: 'help' };
  const flags = Flags.safeParse(values);
  if (!flags.success) return { ok: false, error: describe(flags.error, '--') };
  const relevant = Object.fromEntries(Object.keys(Env.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsedEnv = Env.safeParse(relevant);
  if (!parsedEnv.success) return { ok: false, error: describe(parsedEnv.error, '') };
  const e = parsedEnv.data;
  return {
    ok: true,
    config: {
      port: flags.data.port ?? e.PORT ?? 8787,
      host: flags.data.host,
      dataDir: flags.data['data-dir'] ?? e.CHAT_DATA_DIR ?? './data',
      databaseUrl: e.DATABASE_URL,
      mongodbUrl: e.MONGODB_URL,
      redisUrl: e.REDIS_URL,
      redisPrefix: e.CHAT_REDIS_PREFIX ?? 'chat:',
      jwtSecret: e.CHAT_JWT_SECRET,
      origins: e.CHAT_ORIGINS ?? [],
      trustProxy: e.CHAT_TRUST_PROXY ?? 'loopback',
      logLevel: e.LOG_LEVEL ?? 'info',
      authRateLimit: e.CHAT_AUTH_RATE_LIMIT ?? 30,
      searchRateLimit: e.CHAT_SEARCH_RATE_LIMIT ?? 30,
      searchTimeoutMs: e.CHAT_SEARCH_TIMEOUT_MS ?? 5_000,
      maxSocketsPerUser: e.CHAT_MAX_SOCKETS_PER_USER ?? 20,
      shutdownTimeoutMs: e.CHAT_SHUTDOWN_TIMEOUT_MS ?? 10_000,
      ai:
        e.OPENAI_API_KEY || e.OPENAI_BASE_URL
          ? { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL ?? DEFAULT_AI_BASE_URL, model: e.CHAT_AI_MODEL ?? DEFAULT_AI_MODEL, contextTokens: e.CHAT_AI_CONTEXT_TOKENS ?? 16_000 }
          : undefined,
    },
  };
}

function describe(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  const name = issue?.path.map(String).join('.') ?? '';
  return `invalid setting ${prefix}${name}: ${issue?.message ?? 'invalid'}`;
}
