import LinkifyIt from 'linkify-it';
import tlds from 'tlds' with { type: 'json' };

/*
 * The one rule for what in a message's text is a link, for every client (the web page and the TUI,
 * through parseMarkdown; the web's plain lines through splitLinks): linkify-it (the linkifier
 * markdown-it uses) finds addresses with a scheme, `www.` hosts and bare domains, checked against the
 * full list of top-level domains (`tlds`, from IANA's root zone), so `example.com` and
 * `docs.example.org/path` are links while `file.txt`, `node.js` and `v1.2.3` are not. A bare domain opens
 * over https. Kept as links are only http, https and mailto addresses.
 */

/** The only link schemes made clickable; anything else stays text (javascript:, data:, file:, ftp:…). */
export const SAFE_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);

/**
 * Top-level domains that are also common file extensions: `readme.md`, `setup.py`, `run.sh`, `main.rs`,
 * `notes.zip` are file names far more often than sites, so a bare `name.ext` with one of these is text.
 * With a path (`lib.rs/crates`), a subdomain (`docs.python.py`), a scheme or `www.` it is still a link.
 */
export const FILE_EXTENSION_TLDS: ReadonlySet<string> = new Set(['md', 'py', 'sh', 'rs', 'pl', 'pm', 'zip', 'mov', 'ps', 'so', 'ml', 'mm', 'java']);

// ftp: and protocol-relative `//host` addresses are not ones we open; no fuzzy IP addresses (1.2.3.4).
const linkify = new LinkifyIt({ fuzzyIP: false }).add('ftp:', null).add('//', null).tlds(tlds);

// A bare domain gets https (linkify-it's default is http); a bare e-mail address gets mailto:.
linkify.normalize = (match) => {
  if (!match.schema) match.url = `https://${match.url}`;
  else if (match.schema === 'mailto:' && !/^mailto:/i.test(match.url)) match.url = `mailto:${match.url}`;
};

/** A link found in a text: where it starts and ends (UTF-16 offsets, end exclusive), its text and the address to open. */
export interface FoundLink {
  readonly index: number;
  readonly lastIndex: number;
  readonly text: string;
  readonly href: string;
}

/** The address if it parses as a URL with a scheme in {@link SAFE_SCHEMES} (normalized by URL), else null. */
export function safeLinkHref(url: string): string | null {
  try {
    const parsed = new URL(url.trim());
    return SAFE_SCHEMES.has(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Whether a bare `name.ext` (no scheme, no `www.`, no path, one dot) ends in a file extension that is also a TLD. */
function looksLikeFileName(schema: string, text: string): boolean {
  if (schema !== '') return false;
  const m = /^[^./:?#@]+\.([^./:?#@]+)$/.exec(text);
  return m !== null && FILE_EXTENSION_TLDS.has((m[1] as string).toLowerCase());
}

/**
 * The links in a text, in order: addresses with http(s) or mailto schemes, `www.` hosts and bare
 * domains with a real TLD (opened over https), and e-mail addresses (as mailto:). Never a
 * javascript:, data:, file: or ftp: address, a bare IP address, or a file name such as `readme.md`.
 */
export function findLinks(text: string): FoundLink[] {
  const matches = linkify.match(text) ?? [];
  const out: FoundLink[] = [];
  for (const m of matches) {
    if (looksLikeFileName(m.schema, m.text)) continue;
    const href = safeLinkHref(m.url);
    if (href === null) continue;
    out.push({ index: m.index, lastIndex: m.lastIndex, text: m.text, href });
  }
  return out;
}
