import type { SerializedInbound, SerializedOutbound } from '../crypto/index.js';
import { deserializeInbound, deserializeOutbound, exportUserIdentity, fromBase64Url, importUserIdentity, serializeInbound, serializeOutbound, toBase64Url } from '../crypto/index.js';
import { ChatError } from '../protocol/index.js';
import type { E2EKind, E2ERecordKinds, OutboundRecord } from './e2e-store.js';

/**
 * How a record's CryptoKeys travel: `export` writes them into the JSON (the CLI, whose keys are
 * extractable and whose records are sealed under a keychain key); `keep` hands them back beside the
 * JSON as CryptoKey objects (the browser, where they are non-extractable and IndexedDB keeps them).
 */
export type KeyHandling = 'export' | 'keep';

/** A record as text to seal, and the CryptoKeys kept beside it (`keep` only). */
export interface EncodedRecord {
  readonly json: string;
  readonly keys?: CryptoKeyPair;
}

type OutboundJson = { chain: Omit<SerializedOutbound, 'signingPrivate' | 'signingPublic'> & Partial<SerializedOutbound>; given: OutboundRecord['given'] };

/** A record as JSON text (plus its CryptoKeys under `keep`). */
export async function encodeRecord<K extends E2EKind>(kind: K, value: E2ERecordKinds[K], handling: KeyHandling): Promise<EncodedRecord> {
  switch (kind) {
    case 'inbound':
      return { json: JSON.stringify(serializeInbound(value as E2ERecordKinds['inbound'])) };
    case 'outbound': {
      const { chain, given } = value as OutboundRecord;
      if (handling === 'export') return { json: JSON.stringify({ chain: await serializeOutbound(chain), given } satisfies OutboundJson) };
      const plain = { keyId: chain.keyId, chainKey: toBase64Url(chain.chainKey), counter: chain.counter, createdAt: chain.createdAt };
      return { json: JSON.stringify({ chain: plain, given } satisfies OutboundJson), keys: chain.signing };
    }
    case 'identity': {
      const identity = value as E2ERecordKinds['identity'];
      if (handling === 'export') return { json: JSON.stringify({ publicKey: identity.publicKey, jwk: await exportUserIdentity(identity) }) };
      return { json: JSON.stringify({ publicKey: identity.publicKey }), keys: identity.pair };
    }
    default:
      return { json: JSON.stringify(value) };
  }
}

/**
 * The record from its JSON text (and CryptoKeys). Throws ChatError('internal') when the text is not
 * a record of this kind.
 */
export async function decodeRecord<K extends E2EKind>(kind: K, json: string, keys?: CryptoKeyPair): Promise<E2ERecordKinds[K]> {
  try {
    const data = JSON.parse(json) as unknown;
    switch (kind) {
      case 'inbound':
        return deserializeInbound(data as SerializedInbound) as E2ERecordKinds[K];
      case 'outbound': {
        const { chain, given } = data as OutboundJson;
        if (chain.signingPrivate && chain.signingPublic) return { chain: await deserializeOutbound(chain as SerializedOutbound), given } as E2ERecordKinds[K];
        if (!keys) throw new Error('the signing keys of the chain are missing');
        const outbound = { keyId: chain.keyId, chainKey: fromBase64Url(chain.chainKey), counter: chain.counter, createdAt: chain.createdAt, signing: keys };
        return { chain: outbound, given } as E2ERecordKinds[K];
      }
      case 'identity': {
        const { publicKey, jwk } = data as { publicKey: string; jwk?: JsonWebKey };
        if (jwk) return (await importUserIdentity(jwk, true)) as E2ERecordKinds[K];
        if (!keys) throw new Error('the identity key pair is missing');
        return { publicKey, pair: keys } as E2ERecordKinds[K];
      }
      default:
        return data as E2ERecordKinds[K];
    }
  } catch (error) {
    throw new ChatError('internal', `a stored ${kind} record does not read back`, { cause: error });
  }
}
