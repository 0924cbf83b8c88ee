import { ApiClient, E2ESession, MemoryE2EStore, MemorySessionStore } from '../../shared/client/index.js';

/**
 * Signs `username` in once per device name, each a device of its own that publishes its keys, as a
 * client other than `chat` could. Returns the new devices' ids, in the order of `names`. The honest
 * server refuses control characters in a device name, so a test that needs hostile names (escape
 * sequences, CR) in the user's device list signs in with benign ones and then rewrites them in the
 * database (test/support/tampering-server.ts).
 */
export async function addNamedDevices(serverUrl: string, username: string, password: string, names: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const deviceName of names) {
    const sessions = new MemorySessionStore();
    const api = new ApiClient({ serverUrl, fetch: (u, init) => fetch(u, init), sessions });
    await api.login({ username, password, deviceName });
    const session = await api.session();
    if (!session) throw new Error(`no session for ${username}`);
    await new E2ESession({ api, store: new MemoryE2EStore(), session, extractable: true }).device();
    ids.push(session.deviceId);
  }
  return ids;
}
