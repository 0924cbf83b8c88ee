import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults to port 8787 and ./data with the embedded database', () => {
    const r = loadConfig([], {});
    expect(r).toMatchObject({ ok: true, config: { port: 8787, dataDir: './data', databaseUrl: undefined, origins: [] } });
  });

  it('takes flags over environment', () => {
    const r = loadConfig(['--port', '9000', '--data-dir', '/tmp/x'], { PORT: '1234', CHAT_DATA_DIR: '/y' });
    expect(r).toMatchObject({ ok: true, config: { port: 9000, dataDir: '/tmp/x' } });
  });

  it.each([
    [['--port', 'abc'], {}, /--port/],
    [['--port', '70000'], {}, /--port/],
    [['--bogus'], {}, /bogus/],
    [[], { DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [[], { CHAT_JWT_SECRET: 'short' }, /CHAT_JWT_SECRET/],
    [[], { CHAT_ORIGINS: 'https://a.example/path' }, /CHAT_ORIGINS/],
    [[], { CHAT_ORIGINS: 'not a url' }, /CHAT_ORIGINS/],
    [[], { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [[], { CHAT_SEARCH_TIMEOUT_MS: '0' }, /CHAT_SEARCH_TIMEOUT_MS/],
    [[], { CHAT_SEARCH_RATE_LIMIT: 'many' }, /CHAT_SEARCH_RATE_LIMIT/],
    [[], { CHAT_MAX_SOCKETS_PER_USER: '0' }, /CHAT_MAX_SOCKETS_PER_USER/],
  ])('refuses %j %j with one line naming the setting', (argv, env, pattern) => {
    const r = loadConfig(argv, env);
    expect(r.ok).toBe(false);
    if (r.ok === false) {
      expect(r.error).toMatch(pattern);
      expect(r.error).not.toContain('\n');
    }
  });

  it('limits searches per user and bounds their running time, by default or as set', () => {
    expect(loadConfig([], {})).toMatchObject({ ok: true, config: { searchRateLimit: 30, searchTimeoutMs: 5_000 } });
    const r = loadConfig([], { CHAT_SEARCH_RATE_LIMIT: '5', CHAT_SEARCH_TIMEOUT_MS: '250' });
    expect(r).toMatchObject({ ok: true, config: { searchRateLimit: 5, searchTimeoutMs: 250 } });
  });

  it('caps open sockets per user, by default or as set', () => {
    expect(loadConfig([], {})).toMatchObject({ ok: true, config: { maxSocketsPerUser: 20 } });
    expect(loadConfig([], { CHAT_MAX_SOCKETS_PER_USER: '5' })).toMatchObject({ ok: true, config: { maxSocketsPerUser: 5 } });
  });

  it('parses an origin list', () => {
    const r = loadConfig([], { CHAT_ORIGINS: 'https://a.example, http://localhost:5173' });
    expect(r).toMatchObject({ ok: true, config: { origins: ['https://a.example', 'http://localhost:5173'] } });
  });
});
