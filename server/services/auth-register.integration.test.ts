import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory-bus.js';
import { MemoryCache } from '../cache/memory-cache.js';
import { migrate } from '../store/migrate.js';
import { createPgliteClient } from '../store/pglite-client.js';
import type { SqlClient, SqlExecutor } from '../store/sql-client.js';
import { SqlStore } from '../store/sql-store.js';
import { AuthService } from './auth-service.js';
import { TokenIssuer } from './tokens.js';

/** A client whose device inserts fail, as a full disk or a lost connection would between the two steps. */
function failingDeviceInserts(client: SqlClient): SqlClient {
  const guard = (q: SqlExecutor): SqlExecutor => ({
    query: (text, params) => (/^\s*INSERT INTO devices/i.test(text) ? Promise.reject(new Error('device insert failed')) : q.query(text, params)),
    exec: (script) => q.exec(script),
  });
  return {
    ...guard(client),
    queryWithTimeout: (timeoutMs, text, params) => client.queryWithTimeout(timeoutMs, text, params),
    transaction: (fn) => client.transaction((tx) => fn(guard(tx))),
    close: () => client.close(),
  };
}

describe('registration', () => {
  let client: SqlClient;
  beforeAll(async () => {
    client = await createPgliteClient(undefined);
    await migrate(client);
  });
  afterAll(async () => {
    await client.close();
  });

  const service = (store: SqlStore) =>
    new AuthService({ store, tokens: new TokenIssuer('test-secret-test-secret-test-secret-0123'), cache: new MemoryCache(), bus: new MemoryBus() });

  it('leaves no account when the device cannot be stored', async () => {
    const failing = service(new SqlStore(failingDeviceInserts(client)));
    await expect(failing.register({ username: 'halfway', password: 'correct horse battery', deviceName: 'laptop' })).rejects.toThrow('device insert failed');
    const store = new SqlStore(client);
    expect(await store.findUserByUsername('halfway')).toBeNull();
    const session = await service(store).register({ username: 'halfway', password: 'correct horse battery', deviceName: 'laptop' });
    expect(session).toMatchObject({ user: { username: 'halfway' }, device: { name: 'laptop' } });
  });
});
