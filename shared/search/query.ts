import { tokenize } from './text.js';

/** One thing to look for: a word, or words that must stand together in this order. */
export type QueryItem = { readonly kind: 'word'; readonly word: string } | { readonly kind: 'phrase'; readonly words: readonly string[] };

/**
 * A query in web-search syntax, the same that PostgreSQL's websearch_to_tsquery reads on the server:
 * every group must match (at least one item of it: `a or b` is one group), and no excluded item may.
 */
export interface ParsedQuery {
  readonly groups: readonly (readonly QueryItem[])[];
  readonly excluded: readonly QueryItem[];
}

const TOKEN = /(-?)"([^"]*)"?|(\S+)/g;

function itemOf(text: string): QueryItem | null {
  const words = tokenize(text);
  if (words.length === 0) return null;
  return words.length === 1 ? { kind: 'word', word: words[0] as string } : { kind: 'phrase', words };
}

/** Reads `deploy "release notes" -staging or prod` into groups and exclusions. */
export function parseQuery(query: string): ParsedQuery {
  const groups: QueryItem[][] = [];
  const excluded: QueryItem[] = [];
  let joinNext = false;
  for (const m of query.matchAll(TOKEN)) {
    const quoted = m[2] !== undefined;
    let raw = quoted ? (m[2] as string) : (m[3] as string);
    let negative = quoted && m[1] === '-';
    if (!quoted && raw.startsWith('-') && raw.length > 1) {
      negative = true;
      raw = raw.slice(1);
    }
    if (!quoted && !negative && raw.toLowerCase() === 'or') {
      joinNext = groups.length > 0;
      continue;
    }
    const item = itemOf(raw);
    if (!item) continue;
    if (negative) excluded.push(item);
    else if (joinNext) (groups.at(-1) as QueryItem[]).push(item);
    else groups.push([item]);
    joinNext = false;
  }
  return { groups, excluded };
}

/** Where the items occur among a text's normalized words: [first word, last word] index pairs. */
export function occurrences(item: QueryItem, words: readonly string[], same: (a: string, b: string) => boolean): [number, number][] {
  const seq = item.kind === 'word' ? [item.word] : item.words;
  const found: [number, number][] = [];
  for (let i = 0; i + seq.length <= words.length; i++) {
    if (seq.every((w, k) => same(words[i + k] as string, w))) found.push([i, i + seq.length - 1]);
  }
  return found;
}
