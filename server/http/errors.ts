import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ErrorBody, ErrorCodeValue } from '../../shared/protocol/index.js';
import { ChatError } from '../../shared/protocol/index.js';

/** The one map from error code to HTTP status. */
export const HTTP_STATUS: Record<ErrorCodeValue, number> = {
  invalid_request: 400,
  invalid_credentials: 401,
  unauthorized: 401,
  token_expired: 401,
  session_revoked: 401,
  forbidden: 403,
  not_found: 404,
  username_taken: 409,
  room_exists: 409,
  conflict: 409,
  message_too_large: 413,
  key_reused: 409,
  invite_invalid: 410,
  rate_limited: 429,
  provider_failed: 502,
  unavailable: 503,
  internal: 500,
};

/**
 * Express body-parser and path-decoding failures, which are not ours but are the client's fault: a
 * malformed %-escape, bad JSON, a body too large (413), and any other error body-parser marks as the
 * client's (a 4xx `status`, e.g. a compressed body that does not decompress, an unknown encoding or
 * charset) as 400 `invalid_request`. Anything else is not a parser error.
 */
function fromParserError(error: unknown): ChatError | undefined {
  // The router's parameter decoding throws a URIError on a malformed %-escape.
  if (error instanceof URIError) return new ChatError('invalid_request', 'the request has a malformed %-escape', { cause: error });
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') return new ChatError('invalid_request', 'the body is not valid JSON', { cause: error });
  if (type === 'entity.too.large' || status === 413) return new ChatError('message_too_large', 'the request body is too large', { cause: error });
  if (type === 'encoding.unsupported') return new ChatError('invalid_request', 'the body has a content-encoding this server does not read (gzip, deflate, br)', { cause: error });
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // A zlib error wrapped by body-parser: the body says it is compressed and is not.
    if ('errno' in error || 'code' in error) return new ChatError('invalid_request', 'the request body could not be decompressed', { cause: error });
    return new ChatError('invalid_request', 'the request body could not be read', { cause: error });
  }
  if (type !== undefined) return new ChatError('invalid_request', 'the request body could not be read', { cause: error });
  return undefined;
}

/** Turns any error into `{error: {code, message}}` with its status; unknown errors are logged and hidden. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let chat = error instanceof ChatError ? error : fromParserError(error);
    if (!chat) {
      logger.error({ err: error, reqId: req.id }, 'request failed');
      chat = new ChatError('internal', 'internal error');
    }
    const body: ErrorBody = { error: { code: chat.code, message: chat.message, ...(chat.issues ? { issues: [...chat.issues] } : {}) } };
    res.status(HTTP_STATUS[chat.code]).json(body);
  };
}
