/** One part of a graceful stop: the HTTP server and sockets, the shared state, the database. */
export interface ShutdownStep {
  readonly name: string;
  /** What the step may take at most, in milliseconds (also bounded by what is left of the deadline). */
  readonly timeoutMs: number;
  run(): Promise<void>;
  /** Called when the step ran out of time, to cut what it was waiting on (open connections, say). */
  onTimeout?(): void;
}

/** A step that did not finish: it ran out of time, or it threw. */
export interface ShutdownFailure {
  readonly name: string;
  readonly reason: 'timeout' | 'error';
  readonly error?: unknown;
}

/** Which steps did not finish; empty when the stop was clean. */
export interface ShutdownOutcome {
  readonly failures: readonly ShutdownFailure[];
}

/**
 * Runs the steps in order, each for at most its own timeout and all together for at most `deadlineMs`,
 * whatever state the dependencies are in: a step that hangs (a Redis or database that is gone) is
 * given up on and the next one runs. Never throws. The caller exits, non-zero when there were failures.
 */
export async function runShutdown(steps: readonly ShutdownStep[], options: { readonly deadlineMs: number; readonly now?: () => number }): Promise<ShutdownOutcome> {
  const now = options.now ?? Date.now;
  const end = now() + options.deadlineMs;
  const failures: ShutdownFailure[] = [];
  for (const step of steps) {
    const budget = Math.max(0, Math.min(step.timeoutMs, end - now()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), budget);
    });
    const ran = Promise.resolve()
      .then(() => step.run())
      .then(
        () => 'done' as const,
        (error: unknown) => ({ error }),
      );
    const result = await Promise.race([ran, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      failures.push({ name: step.name, reason: 'timeout' });
      try {
        step.onTimeout?.();
      } catch (error) {
        failures.push({ name: step.name, reason: 'error', error });
      }
    } else if (result !== 'done') {
      failures.push({ name: step.name, reason: 'error', error: result.error });
    }
  }
  return { failures };
}
