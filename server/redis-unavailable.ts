import { ChatError } from '../shared/protocol/index.js';

/**
 * Runs a Redis call, turning its failure (Redis away, or a command timed out) into a ChatError
 * `unavailable` (503) naming `what`, with the Redis error as cause. Resolves to the call's value.
 */
export async function orUnavailable<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new ChatError('unavailable', `the ${what} is not answering; try again shortly`, { cause: error });
  }
}
