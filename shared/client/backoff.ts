/** How reconnect delays grow: exponential from `baseMs` up to `maxMs`, with jitter. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * Retries after the server said it was going away (close 1001: a restart or a deploy, as a rule): it
 * is usually back within seconds, so the delays stop growing at 4 s (2–4 s with jitter) and every
 * client is back within a few seconds of it listening again, instead of up to 30 s later.
 */
export const RESTART_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 4_000 };

/** How many retries follow RESTART_BACKOFF (about a minute of them) before DEFAULT_BACKOFF's growth takes over. */
export const RESTART_ATTEMPTS = 20;

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry): exponential, capped, with
 * "equal jitter" — half fixed, half random — so a restarted server is not hit by every client at once
 * and no client waits less than half the nominal delay.
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(nominal / 2 + (nominal / 2) * random());
}
