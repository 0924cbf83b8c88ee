import { searchQueryTooLong } from '../protocol/search.js';
import { analyze, MAX_TERM_CHARS, queryStems } from './tokens.js';

/**
 * One word of a query: its exact form (as the tokenizer writes a whole token or a part) and the stem
 * terms it also matches (see `queryStems`).
 */
export interface QueryWord {
  readonly form: string;
  readonly stems: readonly string[];
}

/**
 * One thing to look for: a word, or words that must stand at consecutive token positions. A quoted
 * phrase is a phrase; so is an unquoted CJK word of more than two characters (its bigrams in a row).
 */
export interface QueryItem {
  readonly kind: 'word' | 'phrase';
  readonly words: readonly QueryWord[];
}

/**
 * A query in web-search syntax: every group must match (at least one item of it: `a or b` is one
 * group), and no excluded item may. Words are read by the search tokenizer (shared/search/tokens.ts),
 * as the indexed texts are.
 */
export interface ParsedQuery {
  readonly groups: readonly (readonly QueryItem[])[];
  readonly excluded: readonly QueryItem[];
}

const TOKEN = /(-?)"([^"]*)"?|(\S+)/g;

/** The query words of a piece of query text: its whole tokens (and CJK bigrams), each with its stems. */
export function queryWords(text: string): QueryWord[] {
  return analyze(text, { stems: false })
    .filter((t) => t.kind === 'exact')
    .map((t) => ({ form: t.form, stems: queryStems(text.slice(t.start, t.end)) }));
}

function itemsOf(text: string, quoted: boolean): QueryItem[] {
  const words = queryWords(text);
  if (words.length === 0) return [];
  // Unquoted, each token is its own word, except a CJK run, whose bigrams stand in a row.
  if (quoted || words.length === 1) return [{ kind: words.length === 1 ? 'word' : 'phrase', words }];
  const terms = analyze(text, { stems: false }).filter((t) => t.kind === 'exact');
  const items: QueryItem[] = [];
  let run: QueryWord[] = [];
  let runEnd = -1;
  const flush = () => {
    if (run.length > 0) items.push({ kind: run.length === 1 ? 'word' : 'phrase', words: run });
    run = [];
  };
  for (const [i, t] of terms.entries()) {
    // Overlapping bigrams of one run touch (the next starts before the last ends).
    if (!(t.start < runEnd)) flush();
    run.push(words[i] as QueryWord);
    runEnd = t.end;
  }
  flush();
  return items;
}

/**
 * Reads `deploy "release notes" -staging or prod` into groups and exclusions. `or` joins the items on
 * either side of it into one group; where it has no item on one side (`or`, `deploy or`, `or deploy`),
 * it is the word "or" to find, since no word is dropped as a stop word.
 */
export function parseQuery(query: string): ParsedQuery {
  const groups: QueryItem[][] = [];
  const excluded: QueryItem[] = [];
  // An `or` seen after an item, waiting for the item it joins to the last group.
  let pendingOr = false;
  const orWord = (): QueryItem[] => itemsOf('or', false);
  for (const m of query.matchAll(TOKEN)) {
    const quoted = m[2] !== undefined;
    let raw = quoted ? (m[2] as string) : (m[3] as string);
    let negative = quoted && m[1] === '-';
    if (!quoted && raw.startsWith('-') && raw.length > 1) {
      negative = true;
      raw = raw.slice(1);
    }
    const isOr = !quoted && !negative && raw.toLowerCase() === 'or';
    if (isOr && !pendingOr && groups.length > 0) {
      pendingOr = true;
      continue;
    }
    const items = isOr ? orWord() : itemsOf(raw, quoted);
    if (items.length === 0) continue;
    if (negative) {
      excluded.push(...items);
      continue;
    }
    if (pendingOr && items.length === 1) (groups.at(-1) as QueryItem[]).push(items[0] as QueryItem);
    else {
      if (pendingOr) groups.push(orWord());
      for (const item of items) groups.push([item]);
    }
    pendingOr = false;
  }
  // A trailing `or` joins nothing: it is a word to find.
  if (pendingOr) groups.push(orWord());
  return { groups, excluded };
}

/**
 * Why `query` (not blank) cannot be searched, as one sentence for the user without a final full
 * stop; null when it can. A query longer than the server takes (`searchQueryTooLong`, for private
 * rooms too, checked before it is read) is too long; one whose words the tokenizer all drops (emoji,
 * symbols, punctuation) has no searchable words; one of only -excluded words has nothing to find. The
 * same words in the command line, the TUI's /search and the web's search.
 */
export function unsearchableQuery(query: string): string | null {
  const tooLong = searchQueryTooLong(query);
  if (tooLong) return tooLong;
  const parsed = parseQuery(query);
  if (parsed.groups.length > 0) return null;
  if (parsed.excluded.length > 0) return 'the search has only -excluded words: give a word to find as well';
  if (new RegExp(`[\\p{L}\\p{N}]{${MAX_TERM_CHARS + 1},}`, 'u').test(query)) {
    return `the search's words are longer than ${MAX_TERM_CHARS} characters, and words that long are not indexed: search for a shorter part of it`;
  }
  return 'the search has no searchable words: emoji, symbols and punctuation alone are not indexed, so give a word to find';
}
