import type { ErrorCodeValue } from '../shared/protocol/index.js';

/**
 * The `chat` command's exit codes (docs/design.md, "The command line"). `interrupted` (128 + SIGINT's
 * number, the shells' convention) is for a command that Ctrl-C or SIGTERM stopped before it was done.
 */
export const ExitCode = { ok: 0, failure: 1, usage: 2, auth: 4, notFound: 5, interrupted: 130 } as const;

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
  invite_invalid: ExitCode.notFound,
  rate_limited: ExitCode.failure,
  provider_failed: ExitCode.failure,
  unavailable: ExitCode.failure,
  internal: ExitCode.failure,
};
