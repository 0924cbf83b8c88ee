import type { SecretStore } from '../../cli/node/secret-store.js';

/**
 * A SecretStore in memory, for tests of the CLI's sealed files (the keychain's part is not under
 * test there): what a test keeps across "processes" is the files it wrote and this store.
 */
export function memorySecrets(): SecretStore {
  const values = new Map<string, string>();
  return {
    backend: 'file',
    description: 'memory',
    get: async (account) => values.get(account) ?? null,
    set: async (account, value) => void values.set(account, value),
    delete: async (account) => void values.delete(account),
  };
}
