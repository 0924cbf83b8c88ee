import { concat, fromBase64Url, utf8 } from './bytes.js';
import { sha512 } from './primitives.js';

const VERSION = new Uint8Array([0, 0]);
const ITERATIONS = 5_200;

/**
 * Signal's numeric fingerprint over our keys: SHA-512 of version ‖ key ‖ stable id, iterated 5,200
 * times as hash = SHA-512(hash ‖ key); the first 30 bytes make six 5-digit groups. Our "key" is the
 * user's identity key (a raw point; see user-identity.ts), so adding or removing a device never
 * changes it. Several keys are concatenated in sorted order (how the numbers were made before
 * cross-signing, from each device's signing key).
 */
export async function fingerprint(userId: string, deviceSigningKeys: readonly string[]): Promise<string> {
  const key = concat(...[...deviceSigningKeys].sort().map(fromBase64Url));
  let hash = await sha512(concat(VERSION, key, utf8(userId)));
  for (let i = 0; i < ITERATIONS; i++) hash = await sha512(concat(hash, key));
  let digits = '';
  for (let i = 0; i < 30; i += 5) {
    let chunk = 0;
    for (let j = 0; j < 5; j++) chunk = chunk * 256 + (hash[i + j] as number);
    digits += String(chunk % 100_000).padStart(5, '0');
  }
  return digits;
}

/** The 60-digit safety number of two users: both see the same, since the halves are sorted. */
export async function safetyNumber(a: { userId: string; keys: readonly string[] }, b: { userId: string; keys: readonly string[] }): Promise<string> {
  const [fa, fb] = await Promise.all([fingerprint(a.userId, a.keys), fingerprint(b.userId, b.keys)]);
  return [fa, fb].sort().join('');
}

/** 60 digits as 12 groups of five, the way people read them aloud. */
export function formatSafetyNumber(digits: string): string {
  return (digits.match(/.{1,5}/g) ?? []).join(' ');
}
