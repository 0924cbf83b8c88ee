import { join } from 'node:path';
import type { E2EState, E2EStore, OutboundRecord } from '../../shared/client/index.js';
import { EMPTY_E2E_STATE } from '../../shared/client/index.js';
import type { ChainShare, DeviceKeys, ExportedDeviceKeys, InboundChain, MessageContent, SerializedInbound, SerializedOutbound } from '../../shared/crypto/index.js';
import { deserializeInbound, deserializeOutbound, exportDeviceKeys, importDeviceKeys, serializeInbound, serializeOutbound } from '../../shared/crypto/index.js';
import { withFileLock } from './file-lock.js';
import { SealedFile } from './sealed-file.js';
import type { SecretStore } from './secret-store.js';

interface StateFile {
  readonly v: 1;
  readonly outbound: Record<string, { chain: SerializedOutbound; given: Record<string, ChainShare> }>;
  readonly inbound: Record<string, SerializedInbound>;
  readonly plaintexts: Record<string, MessageContent>;
  readonly verified: Record<string, string[]>;
  readonly seen?: Record<string, string[]>;
  readonly asked?: Record<string, number>;
}

/**
 * The CLI's end-to-end store: the device's private keys in the SecretStore (OS keychain or the
 * encrypted file), and the ratchet state plus opened messages in a file in CHAT_HOME sealed with
 * AES-256-GCM under a random key that itself lives in the SecretStore. Updates hold a lock file.
 */
export class E2EFileStore implements E2EStore {
  private readonly file: SealedFile;

  constructor(
    private readonly secrets: SecretStore,
    private readonly account: string,
    home: string,
  ) {
    const safe = account.replace(/[^\w-]/g, '_');
    this.file = new SealedFile(secrets, `${account}:state-key`, join(home, `e2e-${safe}.bin`));
  }

  async loadDevice(): Promise<DeviceKeys | null> {
    const raw = await this.secrets.get(`${this.account}:device`);
    return raw ? importDeviceKeys(JSON.parse(raw) as ExportedDeviceKeys) : null;
  }

  async saveDevice(keys: DeviceKeys): Promise<void> {
    await this.secrets.set(`${this.account}:device`, JSON.stringify(await exportDeviceKeys(keys)));
  }

  read(): Promise<E2EState> {
    return this.load();
  }

  update<T>(fn: (state: E2EState) => Promise<{ state: E2EState; result: T }>): Promise<T> {
    return withFileLock(`${this.file.path}.lock`, async () => {
      const { state, result } = await fn(await this.load());
      await this.save(state);
      return result;
    });
  }

  /** Forgets the device: keys, state and its key (sign-out). */
  async destroy(): Promise<void> {
    await this.secrets.delete(`${this.account}:device`);
    await this.file.destroy();
  }

  private async load(): Promise<E2EState> {
    const text = await this.file.read();
    if (text === null) return EMPTY_E2E_STATE;
    const file = JSON.parse(text) as StateFile;
    const outbound: Record<string, OutboundRecord> = {};
    for (const [room, r] of Object.entries(file.outbound)) outbound[room] = { chain: await deserializeOutbound(r.chain), given: r.given };
    const inbound: Record<string, InboundChain> = {};
    for (const [k, c] of Object.entries(file.inbound)) inbound[k] = deserializeInbound(c);
    return { outbound, inbound, plaintexts: file.plaintexts, verified: file.verified, seen: file.seen ?? {}, asked: file.asked ?? {} };
  }

  private async save(state: E2EState): Promise<void> {
    const outbound: StateFile['outbound'] = {};
    for (const [room, r] of Object.entries(state.outbound)) outbound[room] = { chain: await serializeOutbound(r.chain), given: { ...r.given } };
    const file: StateFile = {
      v: 1,
      outbound,
      inbound: Object.fromEntries(Object.entries(state.inbound).map(([k, c]) => [k, serializeInbound(c)])),
      plaintexts: { ...state.plaintexts },
      verified: Object.fromEntries(Object.entries(state.verified).map(([k, v]) => [k, [...v]])),
      seen: Object.fromEntries(Object.entries(state.seen ?? {}).map(([k, v]) => [k, [...v]])),
      asked: { ...state.asked },
    };
    await this.file.write(JSON.stringify(file));
  }
}
