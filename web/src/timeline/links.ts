import LinkifyIt from 'linkify-it';

/** The only link schemes made clickable; anything else stays text (javascript:, data:, file:, ftp:…). */
export const SAFE_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);

// linkify-it finds links (with fuzzy ones such as example.com and a@b.org); ftp: and
// protocol-relative `//host` links are not ones we open.
const linkify = new LinkifyIt().add('ftp:', null).add('//', null);

/** A piece of a line: plain text, or a link with the address to open. */
export type LinkPart = { readonly text: string; readonly href?: undefined } | { readonly text: string; readonly href: string };

/**
 * Splits a line into text and links (found by linkify-it), keeping as links only those whose address
 * parses as a URL with a scheme in {@link SAFE_SCHEMES}. The line is expected already neutralized, so a
 * link's text is what the page shows.
 */
export function splitLinks(line: string): LinkPart[] {
  const matches = linkify.match(line) ?? [];
  const parts: LinkPart[] = [];
  let at = 0;
  for (const m of matches) {
    if (!isSafe(m.url)) continue;
    if (m.index > at) parts.push({ text: line.slice(at, m.index) });
    parts.push({ text: m.text, href: m.url });
    at = m.lastIndex;
  }
  if (at < line.length) parts.push({ text: line.slice(at) });
  return parts;
}

function isSafe(url: string): boolean {
  try {
    return SAFE_SCHEMES.has(new URL(url).protocol);
  } catch {
    return false;
  }
}
