/**
 * Network and abort failures in plain words: what happened and what to do, with no runtime error
 * codes (`ABORT_ERR`, `ECONNREFUSED`, `UND_ERR_SOCKET`) or class names (`AbortError`) in them. The
 * API client words its `unavailable` errors with these, and the command line words any other error
 * that reaches it the same way.
 */

import { ChatError } from '../protocol/index.js';

/** Codes of a connection that was never made: the request did not leave this machine. */
export const NOT_CONNECTED_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** Codes (and error names) of a wait that ran out. */
const TIMEOUT_CODES = new Set(['ABORT_ERR', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TimeoutError', 'AbortError']);

/** Codes of a connection that was cut after it was made. */
const CUT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/**
 * The `code` of an error or of its cause (`ECONNREFUSED`, `ABORT_ERR`), if it has a string one;
 * undefined otherwise.
 */
export function networkErrorCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof direct === 'string') return direct;
  const cause = (error as { cause?: { code?: unknown } } | null | undefined)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

/** Whether `error` (or its cause) is a wait that ran out or was stopped: a timeout or an abort. */
export function isTimeoutOrAbort(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined;
  const causeName = (error as { cause?: { name?: unknown } } | null | undefined)?.cause?.name;
  return TIMEOUT_CODES.has(networkErrorCode(error) ?? '') || TIMEOUT_CODES.has(name ?? '') || TIMEOUT_CODES.has(typeof causeName === 'string' ? causeName : '');
}

/**
 * A failed request to `serverUrl` in one plain sentence without a final full stop: what happened
 * ("no answer from the server at … within 15 s") and, in parentheses, what to do. `timeoutMs` is
 * the wait that ran out, when it is known. Never contains the error's code or class name.
 */
export function describeRequestFailure(error: unknown, serverUrl: string, timeoutMs?: number): string {
  const code = networkErrorCode(error) ?? '';
  if (NOT_CONNECTED_CODES.has(code)) {
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot reach the server at ${serverUrl}: its name could not be found (check the address and your network connection)`;
    if (code === 'ECONNREFUSED') return `cannot reach the server at ${serverUrl}: it refused the connection (check that the server is running at that address)`;
    return `cannot reach the server at ${serverUrl}: the network cannot get there (check your network connection)`;
  }
  if (isTimeoutOrAbort(error)) {
    const within = timeoutMs === undefined ? '' : ` within ${Math.round(timeoutMs / 1000)} s`;
    return `no answer from the server at ${serverUrl}${within} (check your network connection, or whether the server is up, and try again)`;
  }
  if (CUT_CODES.has(code)) return `no answer from the server at ${serverUrl}: the connection was cut before it answered (try again)`;
  if (/CERT|TLS|SSL/.test(code)) return `no secure connection to the server at ${serverUrl}: its certificate was not accepted (check the address, or the server's certificate)`;
  return `no answer from the server at ${serverUrl}: the connection failed (check your network connection and try again)`;
}

/**
 * Any error that is not a ChatError, as the command line says it: a timeout or an abort in plain
 * words ("it took too long…"), a file system error by what it means, anything else by its message
 * with a leading runtime code (`EACCES: `) taken off.
 */
export function describeOtherError(error: unknown): string {
  if (isTimeoutOrAbort(error)) return 'the operation was stopped before it finished: it took too long or was cancelled (try again)';
  const code = networkErrorCode(error);
  const path = (error as { path?: unknown } | null | undefined)?.path;
  const where = typeof path === 'string' ? ` ${path}` : '';
  if (code === 'EACCES' || code === 'EPERM') return `no permission to use${where || ' a file'} (check its owner and permissions)`;
  if (code === 'ENOENT') return `no such file or folder${where}`;
  if (code === 'ENOSPC') return 'the disk is full (free some space and try again)';
  if (code && NOT_CONNECTED_CODES.has(code)) return 'cannot reach the server (check the address and your network connection)';
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^[A-Z][A-Z0-9_]{2,}:\s*/, '').replace(/\s*\((?:ERR|UND_ERR|E)[A-Z0-9_]+\)/g, '');
}

/**
 * What a client shows for any failure: a ChatError's own message (already in plain words), anything
 * else as `describeOtherError` says it (no runtime codes or class names).
 */
export function plainErrorText(error: unknown): string {
  return error instanceof ChatError ? error.message : describeOtherError(error);
}
