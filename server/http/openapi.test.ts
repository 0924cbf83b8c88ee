import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
