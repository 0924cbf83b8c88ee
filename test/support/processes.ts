import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';

/** Every child a test started that has not exited yet. */
const live = new Set<ChildProcess>();

/** Signals a child's whole process group (it leads one: see spawnTracked), or the child alone. */
export function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    try {
      proc.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * `spawn`, with the child leading its own process group and remembered until it exits, so that
 * killAll can end it and whatever it started, however the test ends (a failed assertion, a timeout).
 */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const proc = spawn(command, args, { ...options, detached: true });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  proc.once('error', () => live.delete(proc));
  return proc;
}

/**
 * Stops a child: `signal` (default SIGTERM), then SIGKILL to its group if it has not exited after
 * `graceMs`. Resolves with how it ended; `killed` is true when the grace ran out.
 */
export async function stopProcess(proc: ChildProcess, options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
    else proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  signalGroup(proc, options.signal ?? 'SIGTERM');
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    signalGroup(proc, 'SIGKILL');
  }, options.graceMs ?? 20_000);
  const result = await exited;
  clearTimeout(timer);
  return { ...result, killed };
}

/** SIGKILLs every child still running, with its group. Synchronous, so it also works in an exit handler. */
export function killAll(): void {
  for (const proc of live) signalGroup(proc, 'SIGKILL');
  live.clear();
}

// A test process that ends for any reason takes its children with it.
process.once('exit', killAll);
