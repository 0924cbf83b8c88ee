import { equalBytes, fromBase64Url, randomBytes, toBase64Url } from './bytes.js';
import { CryptoError } from './errors.js';
import { exportPublicKey, generateSigningKeyPair, hmacSha256 } from './primitives.js';

/** How many skipped message keys a receiving chain keeps for late messages. */
export const MAX_SKIPPED_KEYS = 2_000;
/** The largest forward jump in counters a receiver accepts. */
export const MAX_COUNTER_JUMP = 25_000;
/** A sending chain is replaced after this many messages ... */
export const ROTATE_AFTER_MESSAGES = 100;
/** ... or this long. */
export const ROTATE_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

const MESSAGE_KEY_SEED = new Uint8Array([0x01]);
const CHAIN_KEY_SEED = new Uint8Array([0x02]);

/** One step of the symmetric ratchet: MK_i = HMAC(CK_i, 0x01), CK_{i+1} = HMAC(CK_i, 0x02). */
export async function ratchet(chainKey: Uint8Array): Promise<{ messageKey: Uint8Array; nextChainKey: Uint8Array }> {
  const [messageKey, nextChainKey] = await Promise.all([hmacSha256(chainKey, MESSAGE_KEY_SEED), hmacSha256(chainKey, CHAIN_KEY_SEED)]);
  return { messageKey, nextChainKey };
}

/** This device's sending chain for one room. */
export interface OutboundChain {
  readonly keyId: string;
  readonly chainKey: Uint8Array;
  /** The counter of the next message. */
  readonly counter: number;
  /** Signs this chain's envelopes. */
  readonly signing: CryptoKeyPair;
  readonly createdAt: number;
}

/** A chain another device sends on, as far as we have followed it. */
export interface InboundChain {
  readonly keyId: string;
  readonly roomId: string;
  readonly senderUser: string;
  readonly senderDevice: string;
  /** The chain's signature key, raw uncompressed point. */
  readonly signingKey: Uint8Array;
  readonly chainKey: Uint8Array;
  /** The counter whose key `chainKey` yields next. */
  readonly nextCounter: number;
  /** Where this device started following the chain: earlier messages were never for it. */
  readonly startCounter: number;
  /** Keys of skipped counters, oldest first. Used keys are deleted. */
  readonly skipped: ReadonlyMap<number, Uint8Array>;
}

/** What a sender gives each member device so it can follow the chain from `counter` on. */
export interface ChainShare {
  readonly keyId: string;
  readonly chainKey: string;
  readonly counter: number;
  readonly signingKey: string;
}

export async function newOutboundChain(now: number, extractable: boolean): Promise<OutboundChain> {
  return { keyId: toBase64Url(randomBytes(16)), chainKey: randomBytes(32), counter: 0, signing: await generateSigningKeyPair(extractable), createdAt: now };
}

/** Whether a sending chain has served long enough to be replaced. */
export function chainIsWornOut(chain: OutboundChain, now: number): boolean {
  return chain.counter >= ROTATE_AFTER_MESSAGES || now - chain.createdAt >= ROTATE_AFTER_MS;
}

/** The share of a sending chain at its current position. */
export async function shareOf(chain: OutboundChain): Promise<ChainShare> {
  return {
    keyId: chain.keyId,
    chainKey: toBase64Url(chain.chainKey),
    counter: chain.counter,
    signingKey: toBase64Url(await exportPublicKey(chain.signing.publicKey)),
  };
}

/** Takes the next message key; the returned chain must be persisted before the message is sent. */
export async function advanceOutbound(chain: OutboundChain): Promise<{ chain: OutboundChain; counter: number; messageKey: Uint8Array }> {
  const { messageKey, nextChainKey } = await ratchet(chain.chainKey);
  return { chain: { ...chain, chainKey: nextChainKey, counter: chain.counter + 1 }, counter: chain.counter, messageKey };
}

export function inboundFromShare(share: ChainShare, sender: { roomId: string; senderUser: string; senderDevice: string }): InboundChain {
  return {
    keyId: share.keyId,
    ...sender,
    signingKey: fromBase64Url(share.signingKey),
    chainKey: fromBase64Url(share.chainKey),
    nextCounter: share.counter,
    startCounter: share.counter,
    skipped: new Map(),
  };
}

/**
 * The message key for `counter`, and the chain after it. A counter seen before (its key used and
 * deleted) is refused, as is a jump of more than MAX_COUNTER_JUMP; keys of the counters jumped over
 * are kept (up to MAX_SKIPPED_KEYS, oldest dropped first) for messages that arrive late.
 */
export async function messageKeyFor(chain: InboundChain, counter: number): Promise<{ chain: InboundChain; messageKey: Uint8Array }> {
  if (!Number.isInteger(counter) || counter < 0) throw new CryptoError('invalid_envelope', 'the counter is not a whole number');
  if (counter < chain.startCounter) {
    throw new CryptoError('before_share', `message ${counter} was sent before this device was given the chain`);
  }
  if (counter < chain.nextCounter) {
    const key = chain.skipped.get(counter);
    if (!key) throw new CryptoError('counter_repeated', `message ${counter} of this chain was already read (or is too old to keep)`);
    const skipped = new Map(chain.skipped);
    skipped.delete(counter);
    return { chain: { ...chain, skipped }, messageKey: key };
  }
  if (counter - chain.nextCounter > MAX_COUNTER_JUMP) {
    throw new CryptoError('counter_jump', `a jump of ${counter - chain.nextCounter} messages is more than ${MAX_COUNTER_JUMP}`);
  }
  const skipped = new Map(chain.skipped);
  let chainKey = chain.chainKey;
  for (let i = chain.nextCounter; i < counter; i++) {
    const step = await ratchet(chainKey);
    skipped.set(i, step.messageKey);
    chainKey = step.nextChainKey;
    if (skipped.size > MAX_SKIPPED_KEYS) skipped.delete(skipped.keys().next().value as number);
  }
  const { messageKey, nextChainKey } = await ratchet(chainKey);
  return { chain: { ...chain, chainKey: nextChainKey, nextCounter: counter + 1, skipped }, messageKey };
}

/**
 * A kept chain reaching back to an earlier position of the same chain (from a key backup): the
 * message keys from `earlier.startCounter` up to `kept.startCounter` join the skipped keys (oldest
 * first, at most MAX_SKIPPED_KEYS in all, the oldest dropped), and everything `kept` has followed
 * stays as it is, so no key already used here comes back. `kept` itself when `earlier` starts no
 * earlier, is another chain (key id or signing key), or is further back than MAX_COUNTER_JUMP.
 */
export async function reachBack(kept: InboundChain, earlier: InboundChain): Promise<InboundChain> {
  const gap = kept.startCounter - earlier.startCounter;
  if (gap <= 0 || gap > MAX_COUNTER_JUMP || earlier.keyId !== kept.keyId || !equalBytes(earlier.signingKey, kept.signingKey)) return kept;
  const older = new Map<number, Uint8Array>();
  let chainKey = earlier.chainKey;
  for (let i = earlier.startCounter; i < kept.startCounter; i++) {
    const step = await ratchet(chainKey);
    older.set(i, step.messageKey);
    chainKey = step.nextChainKey;
  }
  const skipped = new Map([...older, ...kept.skipped]);
  while (skipped.size > MAX_SKIPPED_KEYS) skipped.delete(skipped.keys().next().value as number);
  return { ...kept, startCounter: earlier.startCounter, skipped };
}
