import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { ChatError } from '../../shared/protocol/index.js';
import { ACCESS_TTL_SECONDS, hashOpaqueToken, newOpaqueToken, TokenIssuer } from './tokens.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123456789';
const CLAIMS = {
  userId: '0d6f2f7e-3c4b-4a59-8e21-5b9c7d3a1f00',
  username: 'alice',
  deviceId: '9b2e4c6a-1d3f-4e5a-8b7c-6d5e4f3a2b1c',
  sessionId: '4f1a2b3c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ChatError ? error.code : 'not a ChatError';
  }
}

describe('TokenIssuer', () => {
  it('round-trips its claims within 15 minutes and reports expiry after', () => {
    let now = 1_800_000_000_000;
    const issuer = new TokenIssuer(SECRET, () => now);
    const { token, expiresAt } = issuer.signAccess(CLAIMS);
    expect(expiresAt.getTime()).toBe(now + ACCESS_TTL_SECONDS * 1000);
    expect(issuer.verifyAccess(token)).toEqual({ ...CLAIMS, expiresAtMs: expiresAt.getTime() });
    now += ACCESS_TTL_SECONDS * 1000 + 1000;
    expect(codeOf(() => issuer.verifyAccess(token))).toBe('token_expired');
  });

  it('refuses another secret, another algorithm, audience, issuer or type', () => {
    const now = Date.now();
    const issuer = new TokenIssuer(SECRET, () => now);
    const base = { typ: 'access', usr: 'alice', did: CLAIMS.deviceId, sid: CLAIMS.sessionId };
    const opts = { subject: CLAIMS.userId, audience: 'chat', issuer: 'chat-server', expiresIn: 60 } as const;
    expect(codeOf(() => issuer.verifyAccess(jwt.sign(base, 'another-secret-another-secret-0123456789', { ...opts, algorithm: 'HS256' })))).toBe('unauthorized');
    expect(codeOf(() => issuer.verifyAccess(jwt.sign(base, SECRET, { ...opts, algorithm: 'HS512' })))).toBe('unauthorized');
    expect(codeOf(() => issuer.verifyAccess(jwt.sign(base, SECRET, { ...opts, audience: 'other', algorithm: 'HS256' })))).toBe('unauthorized');
    expect(codeOf(() => issuer.verifyAccess(jwt.sign(base, SECRET, { ...opts, issuer: 'evil', algorithm: 'HS256' })))).toBe('unauthorized');
    expect(codeOf(() => issuer.verifyAccess(jwt.sign({ ...base, typ: 'refresh' }, SECRET, { ...opts, algorithm: 'HS256' })))).toBe('unauthorized');
    const unsigned = jwt.sign(base, '', { ...opts, algorithm: 'none' });
    expect(codeOf(() => issuer.verifyAccess(unsigned))).toBe('unauthorized');
    expect(codeOf(() => issuer.verifyAccess(jwt.sign(base, SECRET, { ...opts, algorithm: 'HS256' })))).toBeUndefined();
  });

  it('refuses a token issued in the future beyond a minute of skew, as after a clock that ran a year ahead was fixed', () => {
    const realNow = 1_800_000_000_000;
    let now = realNow + 365 * 24 * 3600 * 1000;
    const issuer = new TokenIssuer(SECRET, () => now);
    const { token } = issuer.signAccess(CLAIMS);
    now = realNow;
    expect(codeOf(() => issuer.verifyAccess(token))).toBe('unauthorized');
    // A few seconds of skew between instances is fine.
    now = realNow + 30_000;
    const skewed = issuer.signAccess(CLAIMS).token;
    now = realNow;
    expect(codeOf(() => issuer.verifyAccess(skewed))).toBeUndefined();
  });

  it('asks for a refresh of a token that names no session (issued before sessions)', () => {
    const issuer = new TokenIssuer(SECRET);
    const old = jwt.sign({ typ: 'access', usr: 'alice', did: CLAIMS.deviceId }, SECRET, { subject: CLAIMS.userId, audience: 'chat', issuer: 'chat-server', expiresIn: 60, algorithm: 'HS256' });
    expect(codeOf(() => issuer.verifyAccess(old))).toBe('token_expired');
  });
});

describe('opaque tokens', () => {
  it('are 256-bit, distinct, and stored only as a hash', () => {
    const a = newOpaqueToken();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newOpaqueToken()).not.toBe(a);
    expect(hashOpaqueToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOpaqueToken(a)).not.toContain(a);
  });
});
