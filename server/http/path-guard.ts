import type { RequestHandler } from 'express';
import { ChatError, isSingleLineText } from '../../shared/protocol/index.js';

/**
 * Refuses, with `invalid_request`, a path whose segments do not decode (a malformed `%`-escape) or
 * decode to control characters or lone surrogates, before any route reads a parameter from it. Path
 * parameters (room names, usernames) are text fields like any other.
 */
export function pathGuard(): RequestHandler {
  return (req, _res, next) => {
    for (const segment of req.path.split('/')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch (error) {
        next(new ChatError('invalid_request', 'the path has a malformed %-escape', { cause: error }));
        return;
      }
      if (!isSingleLineText(decoded)) {
        next(new ChatError('invalid_request', 'the path has control characters or invalid Unicode'));
        return;
      }
    }
    next();
  };
}
