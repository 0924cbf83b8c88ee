import { concat, fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from './bytes.js';
import { CryptoError } from './errors.js';
import { aesGcmDecrypt, aesGcmEncrypt, hkdf, importSigningPublicKey, IV_BYTES, sign, verify } from './primitives.js';
import type { InboundChain, OutboundChain } from './sender-chain.js';
import { advanceOutbound, messageKeyFor } from './sender-chain.js';

/** The algorithms of an envelope, named so they can change later without ambiguity. */
export const SUITE = 'p256-hmac-aes256gcm-1' as const;

/**
 * An encrypted message as the server stores and relays it. Every field before `iv` is authenticated
 * as AAD; `sig` (the chain's signing key) covers the AAD, the IV and the ciphertext.
 */
export interface Envelope {
  readonly v: 1;
  readonly suite: typeof SUITE;
  readonly roomId: string;
  readonly senderUser: string;
  readonly senderDevice: string;
  readonly keyId: string;
  readonly counter: number;
  readonly clientMsgId: string;
  readonly iv: string;
  readonly ct: string;
  readonly sig: string;
}

/** What is inside: the text and the sender's clock, which the server never sees. */
export interface MessageContent {
  readonly body: string;
  readonly sentAt: number;
}

/** Plaintexts are padded to a multiple of this, so lengths leak less. */
const PAD_BLOCK = 64;

function aad(e: Omit<Envelope, 'iv' | 'ct' | 'sig'>): Uint8Array {
  return utf8(JSON.stringify([e.v, e.suite, e.roomId, e.senderUser, e.senderDevice, e.keyId, e.counter, e.clientMsgId]));
}

/** One key per message, from the ratchet's message key. */
function aesKeyOf(messageKey: Uint8Array): Promise<Uint8Array> {
  return hkdf(messageKey, new Uint8Array(32), utf8('chat/message-key/v1'), 32);
}

/** ISO/IEC 7816-4 padding: 0x80 then zeros up to the block. */
function pad(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil((bytes.length + 1) / PAD_BLOCK) * PAD_BLOCK);
  out.set(bytes);
  out[bytes.length] = 0x80;
  return out;
}

function unpad(bytes: Uint8Array): Uint8Array {
  let end = bytes.length - 1;
  while (end >= 0 && bytes[end] === 0) end--;
  if (end < 0 || bytes[end] !== 0x80) throw new CryptoError('invalid_envelope', 'bad padding');
  return bytes.subarray(0, end);
}

/**
 * Encrypts one message on the sending chain. The returned chain has moved on: persist it before the
 * envelope leaves, so a crash can never make the chain reuse a counter.
 */
export async function encryptMessage(
  chain: OutboundChain,
  header: { roomId: string; senderUser: string; senderDevice: string; clientMsgId: string },
  content: MessageContent,
): Promise<{ envelope: Envelope; chain: OutboundChain }> {
  const step = await advanceOutbound(chain);
  const head = { v: 1 as const, suite: SUITE, ...header, keyId: chain.keyId, counter: step.counter };
  const iv = randomBytes(IV_BYTES);
  const associated = aad(head);
  const ct = await aesGcmEncrypt(await aesKeyOf(step.messageKey), iv, pad(utf8(JSON.stringify({ b: content.body, t: content.sentAt }))), associated);
  const sig = await sign(chain.signing.privateKey, concat(associated, iv, ct));
  return { envelope: { ...head, iv: toBase64Url(iv), ct: toBase64Url(ct), sig: toBase64Url(sig) }, chain: step.chain };
}

/**
 * Opens an envelope with the chain it names: the signature first, then the counter, then the
 * ciphertext. Returns the content and the chain after it (persist it: its used key is gone).
 */
export async function decryptMessage(chain: InboundChain, envelope: Envelope): Promise<{ content: MessageContent; chain: InboundChain }> {
  if (envelope.v !== 1 || envelope.suite !== SUITE) throw new CryptoError('invalid_envelope', `unknown envelope suite ${String(envelope.suite)}`);
  if (envelope.keyId !== chain.keyId || envelope.senderDevice !== chain.senderDevice || envelope.senderUser !== chain.senderUser || envelope.roomId !== chain.roomId) {
    throw new CryptoError('unknown_chain', 'the envelope is not from this chain');
  }
  let iv: Uint8Array;
  let ct: Uint8Array;
  let sig: Uint8Array;
  try {
    [iv, ct, sig] = [fromBase64Url(envelope.iv), fromBase64Url(envelope.ct), fromBase64Url(envelope.sig)];
  } catch (error) {
    throw new CryptoError('invalid_envelope', 'the envelope is not well formed', { cause: error });
  }
  const associated = aad(envelope);
  if (!(await verify(await importSigningPublicKey(chain.signingKey), sig, concat(associated, iv, ct)))) {
    throw new CryptoError('bad_signature', 'the envelope signature does not verify');
  }
  const next = await messageKeyFor(chain, envelope.counter);
  const plain = unpad(await aesGcmDecrypt(await aesKeyOf(next.messageKey), iv, ct, associated));
  let parsed: { b?: unknown; t?: unknown };
  try {
    parsed = JSON.parse(fromUtf8(plain)) as { b?: unknown; t?: unknown };
  } catch (error) {
    throw new CryptoError('invalid_envelope', 'the plaintext is not a message', { cause: error });
  }
  if (typeof parsed.b !== 'string' || typeof parsed.t !== 'number') throw new CryptoError('invalid_envelope', 'the plaintext is not a message');
  return { content: { body: parsed.b, sentAt: parsed.t }, chain: next.chain };
}
