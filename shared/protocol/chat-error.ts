import type { ErrorCodeValue } from './errors.js';

/** One field's validation problem. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/**
 * The one error class of the system. Services throw it, the HTTP layer maps its code to a status, the
 * client library rebuilds it from error bodies and frames, and the CLI maps its code to an exit code.
 */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly code: ErrorCodeValue;
  readonly issues: readonly Issue[] | undefined;

  constructor(code: ErrorCodeValue, message: string, options: { cause?: unknown; issues?: readonly Issue[] } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.issues = options.issues;
  }
}

/** Turns zod issues into our `{path, message}` list. */
export function toIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Issue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** A ChatError for input that failed a schema, with a message naming the first problem. */
export function invalidRequest(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ChatError {
  const list = toIssues(issues);
  const first = list[0];
  const message = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : 'invalid request';
  return new ChatError('invalid_request', message, { issues: list });
}
