import { join } from 'node:path';
import type { LegacyE2EState, OpenedText, OutboundRecord } from '../../shared/client/index.js';
import type { ChainShare, InboundChain, SerializedInbound, SerializedOutbound } from '../../shared/crypto/index.js';
import { deserializeInbound, deserializeOutbound } from '../../shared/crypto/index.js';
import { ChatError } from '../../shared/protocol/index.js';
import { SealedFile } from './sealed-file.js';
import type { SecretStore } from './secret-store.js';

/** The JSON inside the sealed file earlier versions kept all end-to-end state in. */
interface StateFile {
  readonly v: 1;
  readonly outbound: Record<string, { chain: SerializedOutbound; given: Record<string, ChainShare> }>;
  readonly inbound: Record<string, SerializedInbound>;
  readonly plaintexts: Record<string, OpenedText>;
  readonly verified: Record<string, string[]>;
  readonly seen?: Record<string, string[]>;
  readonly asked?: Record<string, number>;
}

/**
 * The sealed file (`e2e-<account>.bin` in CHAT_HOME, key `<account>:state-key` in the SecretStore)
 * in which earlier versions of the CLI kept a profile's whole end-to-end state. Only read, to move
 * it into the per-record store, and then removed.
 */
export class LegacyE2EFile {
  private readonly file: SealedFile;

  constructor(secrets: SecretStore, account: string, home: string) {
    this.file = new SealedFile(secrets, `${account}:state-key`, join(home, `e2e-${account.replace(/[^\w-]/g, '_')}.bin`));
  }

  get path(): string {
    return this.file.path;
  }

  /**
   * The state, or null when there is no such file. Throws ChatError('internal') when the file does
   * not open (its key is gone, or it is damaged) or does not hold the state.
   */
  async read(): Promise<LegacyE2EState | null> {
    const text = await this.file.read();
    if (text === null) return null;
    try {
      const file = JSON.parse(text) as StateFile;
      if (file.v !== 1) throw new Error(`unknown version ${String(file.v)}`);
      const outbound: Record<string, OutboundRecord> = {};
      for (const [room, r] of Object.entries(file.outbound)) outbound[room] = { chain: await deserializeOutbound(r.chain), given: r.given };
      const inbound: Record<string, InboundChain> = {};
      for (const [k, c] of Object.entries(file.inbound)) inbound[k] = deserializeInbound(c);
      return { outbound, inbound, plaintexts: file.plaintexts, verified: file.verified, seen: file.seen ?? {}, asked: file.asked ?? {} };
    } catch (error) {
      throw new ChatError('internal', `${this.file.path} does not hold end-to-end state this version can read`, { cause: error });
    }
  }

  /** Removes the file and its key. */
  destroy(): Promise<void> {
    return this.file.destroy();
  }
}
