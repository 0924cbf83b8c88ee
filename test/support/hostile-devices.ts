import { ApiClient, E2ESession, MemoryE2EStore, MemorySessionStore } from '../../shared/client/index.js';

/**
 * Signs `username` in once per device name, each a device of its own that publishes its keys, as a
 * client other than `chat` could: so that names the `chat` binary would never choose (escape
 * sequences, bidi controls) are what the server hands back in the user's device list.
 */
export async function addNamedDevices(serverUrl: string, username: string, password: string, names: readonly string[]): Promise<void> {
  for (const deviceName of names) {
    const sessions = new MemorySessionStore();
    const api = new ApiClient({ serverUrl, fetch: (u, init) => fetch(u, init), sessions });
    await api.login({ username, password, deviceName });
    const session = await api.session();
    if (!session) throw new Error(`no session for ${username}`);
    await new E2ESession({ api, store: new MemoryE2EStore(), session, extractable: true }).device();
  }
}
