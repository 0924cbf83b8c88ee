import { concat, equalBytes, randomBytes, utf8 } from './bytes.js';
import { CryptoError } from './errors.js';
import { sha512 } from './primitives.js';

/**
 * Recovery keys: 224 random bits and a 16-bit checksum, written as 48 characters of Crockford's
 * base32 (https://www.crockford.com/base32.html) in twelve groups of four. Crockford's alphabet leaves
 * out I, L, O and U, and reading folds `i`/`l` to 1 and `o` to 0, so a key read aloud or copied by
 * hand survives case and look-alike letters; the checksum tells a mistyped key from a wrong one.
 */

/** Secret bytes in a recovery key. */
export const RECOVERY_SECRET_BYTES = 28;
const CHECK_BYTES = 2;
/** Characters in a recovery key, not counting the spaces between groups. */
export const RECOVERY_KEY_CHARS = ((RECOVERY_SECRET_BYTES + CHECK_BYTES) * 8) / 5;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CHECK_LABEL = utf8('chat-recovery-key-v1');

async function checksum(secret: Uint8Array): Promise<Uint8Array> {
  return (await sha512(concat(CHECK_LABEL, secret))).slice(0, CHECK_BYTES);
}

function encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

function decode(text: string): Uint8Array {
  const out = new Uint8Array((text.length * 5) / 8);
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const ch of text) {
    value = (value << 5) | ALPHABET.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out[at++] = (value >>> (bits - 8)) & 255;
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** A recovery key's secret bytes and its text in groups. */
export interface RecoveryKey {
  /** The 28 secret bytes the backup key is derived from. */
  readonly secret: Uint8Array;
  /** The 48 characters in twelve groups of four, separated by spaces. */
  readonly text: string;
}

/** A new random recovery key. */
export async function newRecoveryKey(): Promise<RecoveryKey> {
  const secret = randomBytes(RECOVERY_SECRET_BYTES);
  const chars = encode(concat(secret, await checksum(secret)));
  return { secret, text: chars.match(/.{4}/g)?.join(' ') ?? chars };
}

/**
 * Reads a recovery key as a person typed or pasted it: any case, spaces and dashes anywhere, `I`/`L`
 * for 1 and `O` for 0. Throws CryptoError('invalid_recovery_key') when it is not 48 characters of the
 * alphabet or its checksum does not match (a character mistyped or left out).
 */
export async function parseRecoveryKey(input: string): Promise<RecoveryKey> {
  const chars = input
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (chars.length !== RECOVERY_KEY_CHARS || [...chars].some((c) => !ALPHABET.includes(c))) {
    throw new CryptoError('invalid_recovery_key', `a recovery key is ${RECOVERY_KEY_CHARS} letters and digits (in groups of four); this is not one`);
  }
  const bytes = decode(chars);
  const secret = bytes.slice(0, RECOVERY_SECRET_BYTES);
  if (!equalBytes(bytes.slice(RECOVERY_SECRET_BYTES), await checksum(secret))) {
    throw new CryptoError('invalid_recovery_key', 'this is not a recovery key: a character is mistyped or missing (the checksum does not match)');
  }
  return { secret, text: chars.match(/.{4}/g)?.join(' ') ?? chars };
}
