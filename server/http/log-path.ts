/**
 * Path segments that come after `invite/` or `invites/` (any case) are a secret: invite tokens, in the
 * API (`/api/v1/invites/<token>/redeem`) and in the web client's links (`/invite/<token>`, the rest of
 * the path). Matched anywhere in the path, so `//invites/…` and `/rooms/invite%2F<token>/join` count.
 */
const INVITE_PATHS: readonly [RegExp, string][] = [
  [/(\/invites\/)[^/]+/gi, '$1[redacted]'],
  [/(\/invite\/).+$/i, '$1[redacted]'],
];

/** Any run of 40 or more base64url characters: an invite token (43) or another secret; a UUID is 36. */
const TOKEN_SIZED = /[A-Za-z0-9_-]{40,}/g;

/** An escape of a printable ASCII byte (`%69` is `i`, `%2F` is `/`); others stay as they are. */
const ASCII_ESCAPE = /%([2-7][0-9A-Fa-f])/g;

/**
 * The path of a request URL as the request log may show it: no query string (tickets travel there),
 * with printable ASCII escapes decoded (so an escaped token is seen for what it is) and no invite
 * token or other token-sized run (those become `[redacted]`). Never throws, whatever the bytes.
 */
export function loggablePath(url: string): string {
  const raw = url.split(/[?#]/, 1)[0] ?? '';
  // Escapes of escapes (`%2569` is `%69` is `i`) are undone too, a few layers deep.
  let path = raw;
  for (let layer = 0; layer < 4; layer++) {
    const decoded = path.replace(ASCII_ESCAPE, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (decoded === path) break;
    path = decoded;
  }
  const invites = INVITE_PATHS.reduce((p, [pattern, replacement]) => p.replace(pattern, replacement), path);
  return invites.replace(TOKEN_SIZED, '[redacted]');
}
