/** How reconnect delays grow: exponential from `baseMs` up to `maxMs`, with jitter. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry): exponential, capped, with
 * "equal jitter" — half fixed, half random — so a restarted server is not hit by every client at once
 * and no client waits less than half the nominal delay.
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(nominal / 2 + (nominal / 2) * random());
}
