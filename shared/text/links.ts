import LinkifyIt from 'linkify-it';
import tlds from 'tlds' with { type: 'json' };

/*
 * The one rule for what in a message's text is a link, for every client (the web page and the TUI,
 * through parseMarkdown; the web's plain lines through splitLinks): linkify-it (the linkifier
 * markdown-it uses) finds addresses with a scheme, `www.` hosts and bare domains, checked against the
 * full list of top-level domains (`tlds`, from IANA's root zone), so `example.com` and
 * `docs.example.org/path` are links while `file.txt`, `node.js` and `v1.2.3` are not. A bare domain opens
 * over https. Kept as links are only http, https and mailto addresses.
 *
 * A host (everything before the path) holding a look-alike of `/ : @ . ? #` or `\` (U+2044 FRACTION
 * SLASH, U+2215 DIVISION SLASH, U+2024 ONE DOT LEADER, U+3002, fullwidth forms, or any character NFKC
 * folds into one of them) is never a link: `paypal.com⁄signin.evil.com` would open a host under
 * evil.com. A bare host mixing scripts in one label (`аpple.com`, Cyrillic а) is not a link either.
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

// Look-alikes of URL delimiters that NFKC leaves alone (those it folds are caught by normalizing).
// Slashes and backslashes (U+2044 FRACTION SLASH, U+2215 DIVISION SLASH, U+29F8 BIG SOLIDUS…), dots
// (U+2024 ONE DOT LEADER, U+3002 IDEOGRAPHIC FULL STOP…), colons (U+2236 RATIO…), at, ? and # signs.
const DELIMITER_LOOKALIKES = /[\u2044\u2215\u29f8\u29f9\u29f5\u29f6\u2216\u2571\u2572\u27cb\u27cd\u1735\u2f03\u3033\u30ce\u31d3\u4e3f\u2024\u3002\uff61\u0701\u0702\ua4f8\ua60e\u{10a50}\u2e33\u2e31\u2236\u0589\u05c3\u16ec\ufe30\ua789\u02d0\u02f8\u1361\u0703\u0704\u1803\u1809\u205a\u2e35\u0294\u0241\u097d\u2047]|\u0338/u; // U+0338: a combining long solidus

/** Whether a character (one code point) is or folds into a look-alike of `/ : @ . ? # \`. */
function isDelimiterLookalike(ch: string): boolean {
  return ch.charCodeAt(0) > 0x7f && (DELIMITER_LOOKALIKES.test(ch) || /[/:@.?#\\]/.test(ch.normalize('NFKC')));
}

/** What a link's text or address names before its path: `https://a.b∕c@d/x` → `a.b∕c@d`, `a.b/x` → `a.b`. */
function authorityOf(url: string): string {
  const rest = url.trim().replace(/^[a-z][a-z0-9+.-]*:(\/\/)?/i, '');
  return rest.slice(0, rest.search(/[/?#\\]|$/));
}

/**
 * Whether the host part of an address (before the first ASCII `/ ? # \`, after the scheme) holds a
 * character that looks like a URL delimiter without being one (U+2044, U+2215, U+2024, U+3002, U+FF0F,
 * or anything NFKC turns into `/ : @ . ? #`).
 */
export function hasLookalikeDelimiter(url: string): boolean {
  let decoded = url;
  try {
    decoded = decodeURIComponent(authorityOf(url)); // marked percent-encodes `<…>` autolinks
  } catch {
    // not percent-encoded text: checked as written
  }
  for (const ch of authorityOf(url) + decoded) if (isDelimiterLookalike(ch)) return true;
  return false;
}

// Scripts whose letters are told apart here; Han, Hiragana, Katakana, Hangul and Bopomofo count as one (CJK).
const SCRIPTS: readonly (readonly [string, RegExp])[] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['CJK', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}]/u],
];

/**
 * Whether one label of a host mixes letters of different scripts (`аpple` with a Cyrillic а): the
 * usual shape of a confusable (homograph) host. Letters outside Latin, Cyrillic, Greek and CJK count
 * as one further script, so `аpple` and `pաypal` (Armenian) are mixed while `пример`, `例え` are not.
 */
export function hasMixedScriptLabel(host: string): boolean {
  for (const label of host.split('.')) {
    const seen = new Set<string>();
    for (const ch of label) {
      if (!/\p{L}/u.test(ch)) continue;
      seen.add(SCRIPTS.find(([, re]) => re.test(ch))?.[0] ?? 'Other');
      if (seen.size > 1) return true;
    }
  }
  return false;
}

/**
 * The target a reader should see next to a link so its text cannot pose as another address: the
 * host (in ASCII, punycode for an IDN: `xn--pple-43d.com`) of an http(s) address, the address of a
 * mailto one. Null when the text already is the address (an autolink, give or take its scheme and
 * last `/`) and the host is plain ASCII. Used by the web; the TUI prints the whole target likewise.
 */
export function shownLinkTarget(href: string, text: string): string | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  const shown = url.protocol === 'mailto:' ? decodeURIComponent(url.pathname) : url.hostname;
  const bare = href.replace(/^(mailto:|https?:\/\/)/i, '').replace(/\/$/, '');
  const same = text === href || `${text}/` === href || text.replace(/^(mailto:|https?:\/\/)/i, '').replace(/\/$/, '') === bare;
  const idn = url.protocol !== 'mailto:' ? url.hostname.split('.').some((l) => l.startsWith('xn--')) : /xn--/i.test(shown);
  return same && !idn ? null : shown;
}

/**
 * The address if it parses as a URL with a scheme in {@link SAFE_SCHEMES} (normalized by URL), else
 * null; null too when its host holds a look-alike delimiter ({@link hasLookalikeDelimiter}).
 */
export function safeLinkHref(url: string): string | null {
  if (hasLookalikeDelimiter(url)) return null;
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
 * javascript:, data:, file: or ftp: address, a bare IP address, a file name such as `readme.md`, a
 * host with a look-alike delimiter (`paypal.com⁄signin.evil.com`) or a host label mixing scripts (`аpple.com`).
 */
export function findLinks(text: string): FoundLink[] {
  const matches = linkify.match(text) ?? [];
  const out: FoundLink[] = [];
  for (const m of matches) {
    if (looksLikeFileName(m.schema, m.text)) continue;
    // A look-alike right before or after a match (linkify-it stops at some: `www.paypal.com／login.evil.com`) makes it text too.
    if (hasLookalikeDelimiter(m.text) || isDelimiterLookalike(String.fromCodePoint(text.codePointAt(m.lastIndex) ?? 0x20)) || isDelimiterLookalike(text.slice(Math.max(0, m.index - 2), m.index).slice(-1))) continue;
    const href = safeLinkHref(m.url);
    if (href === null) continue;
    if (hasMixedScriptLabel(authorityOf(m.text).replace(/^.*@/, ''))) continue;
    out.push({ index: m.index, lastIndex: m.lastIndex, text: m.text, href });
  }
  return out;
}
