import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's minimums (19 MiB, 2 passes).
const OPTIONS = { algorithm: 2 /* Algorithm.Argon2id, a const enum */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const satisfies Parameters<typeof hash>[1];

/** Hashes a password for storage (argon2id, PHC string with its own salt and parameters). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** Checks a password against a stored hash; false for a malformed hash as for a wrong password. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
