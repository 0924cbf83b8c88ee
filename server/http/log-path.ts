import { API_PREFIX } from '../../shared/protocol/index.js';

/** Paths whose next segments are a secret: invite tokens, in the API and in the web client's links. */
const SECRET_SEGMENTS = [new RegExp(`^(${API_PREFIX}/invites/)[^/]+`), /^(\/invite\/).+$/];

/**
 * The path of a request URL as the request log may show it: no query string (tickets travel there)
 * and no invite token (`/api/v1/invites/<token>/redeem` and `/invite/<token>` become `…/[redacted]…`).
 */
export function loggablePath(url: string): string {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  return SECRET_SEGMENTS.reduce((p, pattern) => p.replace(pattern, '$1[redacted]'), path);
}
