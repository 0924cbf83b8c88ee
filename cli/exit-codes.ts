import type { ErrorCodeValue } from '../shared/protocol/index.js';

/**
 * The `chat` command's exit codes (docs/design.md, "The command line"). `interrupted` (128 + SIGINT's
 * number, the shells' convention) is for a command that Ctrl-C or SIGINT stopped before it was done,
 * `readerGone` (128 + SIGPIPE's) for one whose output's reader went away, `terminated` (128 + SIGTERM's
 * number) for one that SIGTERM stopped.
 */
export const ExitCode = { ok: 0, failure: 1, usage: 2, auth: 4, notFound: 5, interrupted: 130, readerGone: 141, terminated: 143 } as const;

/** The signals that stop a command: Ctrl-C (SIGINT, or its key read in raw mode) and SIGTERM. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The exit code of a command that `signal` stopped: 130 for SIGINT, 143 for SIGTERM (128 + the signal's number). */
export function stoppedExitCode(signal: StopSignal): number {
  return signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
}

/**
 * A wait the user stopped: Ctrl-C typed while the terminal was in raw mode (a hidden prompt, where the
 * key is read, not turned into SIGINT), or SIGINT / SIGTERM received (the command's abort signal, whose
 * reason is the signal's name). main.ts exits with `stoppedExitCode(signal)`.
 */
export class Stopped extends Error {
  constructor(readonly signal: StopSignal) {
    super('stopped before it finished');
    this.name = 'Stopped';
  }
}

/** The signal an aborted AbortSignal stands for (main.ts aborts with the signal's name): SIGINT unless it says SIGTERM. */
export function stopSignalOf(signal: AbortSignal): StopSignal {
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
}

/** The one map from error code to exit code. */
export const EXIT_CODE_OF: Record<ErrorCodeValue, number> = {
  invalid_request: ExitCode.usage,
  invalid_credentials: ExitCode.auth,
  unauthorized: ExitCode.auth,
  token_expired: ExitCode.auth,
  session_revoked: ExitCode.auth,
  forbidden: ExitCode.notFound,
  not_found: ExitCode.notFound,
  username_taken: ExitCode.failure,
  room_exists: ExitCode.failure,
  conflict: ExitCode.failure,
  message_too_large: ExitCode.failure,
  key_reused: ExitCode.failure,
  invite_invalid: ExitCode.notFound,
  rate_limited: ExitCode.failure,
  provider_failed: ExitCode.failure,
  unavailable: ExitCode.failure,
  internal: ExitCode.failure,
};
