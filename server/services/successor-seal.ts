import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { TokenPair } from '../../shared/protocol/index.js';

const INFO = 'chat refresh successor v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The AES-256 key for a spent refresh token's successor: HKDF-SHA256 of the token, which is stored nowhere. */
function keyOf(spentToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(spentToken, 'utf8'), Buffer.alloc(0), INFO, 32));
}

/**
 * Seals the pair a rotation issued under a key only the spent token can derive, bound to the spent
 * token's hash (AES-256-GCM; base64url of iv ‖ ciphertext ‖ tag). The store keeps this for the grace
 * window without being able to read the new refresh token.
 */
export function sealSuccessor(spentToken: string, spentHash: string, pair: TokenPair): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(spentToken), iv);
  cipher.setAAD(Buffer.from(spentHash, 'utf8'));
  const ct = Buffer.concat([cipher.update(JSON.stringify(pair), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url');
}

/** Opens what sealSuccessor made; null when the token or hash does not match or the record is damaged. */
export function openSuccessor(spentToken: string, spentHash: string, sealed: string): TokenPair | null {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(spentToken), bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(spentHash, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    const parsed = TokenPair.safeParse(JSON.parse(plain));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
