import { findLinks } from '../../../shared/text/links.js';

export { SAFE_SCHEMES } from '../../../shared/text/links.js';

/** A piece of a line: plain text, or a link with the address to open. */
export type LinkPart = { readonly text: string; readonly href?: undefined } | { readonly text: string; readonly href: string };

/**
 * Splits a line into text and links, by the one link rule every client uses (shared/text/links.ts:
 * http, https and mailto addresses, `www.` hosts and bare domains with a real TLD, opened over https).
 * The line is expected already neutralized, so a link's text is what the page shows.
 */
export function splitLinks(line: string): LinkPart[] {
  const parts: LinkPart[] = [];
  let at = 0;
  for (const m of findLinks(line)) {
    if (m.index > at) parts.push({ text: line.slice(at, m.index) });
    parts.push({ text: m.text, href: m.href });
    at = m.lastIndex;
  }
  if (at < line.length) parts.push({ text: line.slice(at) });
  return parts;
}
