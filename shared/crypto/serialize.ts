import { fromBase64Url, toBase64Url } from './bytes.js';
import { exportPublicKey } from './primitives.js';
import type { InboundChain, OutboundChain } from './sender-chain.js';

/** Ratchet state as JSON, for stores that keep text (the CLI's encrypted state file). */
export interface SerializedOutbound {
  readonly keyId: string;
  readonly chainKey: string;
  readonly counter: number;
  readonly createdAt: number;
  readonly signingPrivate: JsonWebKey;
  readonly signingPublic: string;
}

export interface SerializedInbound {
  readonly keyId: string;
  readonly roomId: string;
  readonly senderUser: string;
  readonly senderDevice: string;
  readonly signingKey: string;
  readonly chainKey: string;
  readonly nextCounter: number;
  readonly startCounter?: number;
  readonly skipped: readonly (readonly [number, string])[];
}

/** Needs a chain made with extractable keys. */
export async function serializeOutbound(c: OutboundChain): Promise<SerializedOutbound> {
  return {
    keyId: c.keyId,
    chainKey: toBase64Url(c.chainKey),
    counter: c.counter,
    createdAt: c.createdAt,
    signingPrivate: await crypto.subtle.exportKey('jwk', c.signing.privateKey),
    signingPublic: toBase64Url(await exportPublicKey(c.signing.publicKey)),
  };
}

export async function deserializeOutbound(s: SerializedOutbound): Promise<OutboundChain> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const privateKey = await crypto.subtle.importKey('jwk', s.signingPrivate, alg, true, ['sign']);
  const publicKey = await crypto.subtle.importKey('raw', new Uint8Array(fromBase64Url(s.signingPublic)), alg, true, ['verify']);
  return { keyId: s.keyId, chainKey: fromBase64Url(s.chainKey), counter: s.counter, createdAt: s.createdAt, signing: { privateKey, publicKey } };
}

export function serializeInbound(c: InboundChain): SerializedInbound {
  return {
    keyId: c.keyId,
    roomId: c.roomId,
    senderUser: c.senderUser,
    senderDevice: c.senderDevice,
    signingKey: toBase64Url(c.signingKey),
    chainKey: toBase64Url(c.chainKey),
    nextCounter: c.nextCounter,
    startCounter: c.startCounter,
    skipped: [...c.skipped].map(([n, k]) => [n, toBase64Url(k)] as const),
  };
}

export function deserializeInbound(s: SerializedInbound): InboundChain {
  return {
    keyId: s.keyId,
    roomId: s.roomId,
    senderUser: s.senderUser,
    senderDevice: s.senderDevice,
    signingKey: fromBase64Url(s.signingKey),
    chainKey: fromBase64Url(s.chainKey),
    nextCounter: s.nextCounter,
    startCounter: s.startCounter ?? 0,
    skipped: new Map(s.skipped.map(([n, k]) => [n, fromBase64Url(k)])),
  };
}
