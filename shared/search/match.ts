import type { ParsedQuery, QueryItem, QueryWord } from './query.js';
import { analyze, STEM_MARK } from './tokens.js';
import type { AnalyzeOptions, Term } from './tokens.js';

/**
 * How well a text matched, best first: 3 every group matched by whole tokens (a phrase in order
 * counts as its words), 2 some group needed a part of a token, 1 some group needed a stem; 0 no match.
 * The server computes the same from the kinds its tsvector spells in lexemes (see toTsvector).
 */
export type MatchClass = 0 | 1 | 2 | 3;

/** A match of a query against a text: its class, and the [start, end) text ranges that matched, in order, joined where they overlap. */
export interface TextMatch {
  readonly matchClass: MatchClass;
  readonly ranges: [number, number][];
}

const CLASS_OF: Record<Term['kind'], MatchClass> = { exact: 3, part: 2, stem: 1 };
/** How many first letters a stem shares with its word, at least (Snowball changes word endings). */
const STEM_HEAD = 3;

function termMatches(word: QueryWord, term: Term): MatchClass {
  if (term.kind === 'stem') return word.stems.includes(term.form) ? 1 : 0;
  return term.form === word.form ? CLASS_OF[term.kind] : 0;
}

/** Every occurrence of `item` among `terms` (grouped by position): its class and range. */
function occurrencesOf(item: QueryItem, byPosition: ReadonlyMap<number, readonly Term[]>): { matchClass: MatchClass; range: [number, number] }[] {
  const found: { matchClass: MatchClass; range: [number, number] }[] = [];
  for (const [position, first] of byPosition) {
    let cls: MatchClass = 3;
    let start = Infinity;
    let end = -1;
    let ok = true;
    for (const [k, word] of item.words.entries()) {
      const terms = k === 0 ? first : byPosition.get(position + k);
      let best: MatchClass = 0;
      let bestTerm: Term | undefined;
      for (const t of terms ?? []) {
        const c = termMatches(word, t);
        if (c > best) {
          best = c;
          bestTerm = t;
        }
      }
      if (!bestTerm) {
        ok = false;
        break;
      }
      cls = Math.min(cls, best) as MatchClass;
      // A part marks only itself; a whole word or stem the whole token.
      start = Math.min(start, bestTerm.start);
      end = Math.max(end, bestTerm.end);
    }
    if (ok) found.push({ matchClass: cls, range: [start, end] });
  }
  return found;
}

/**
 * Checks `text` against `query` with the search tokenizer: every group must have an item that occurs
 * (a phrase at consecutive positions), no excluded item may. Returns null for no match. This is what
 * the device's index and MongoDB check on the text, and where every client's highlights come from.
 */
export function matchText(text: string, query: ParsedQuery, options: AnalyzeOptions = {}): TextMatch | null {
  if (query.groups.length === 0) return null;
  // Stems only for words that can match a query stem: they begin with its first letters.
  const heads = new Set([...query.groups.flat(), ...query.excluded].flatMap((i) => i.words.flatMap((w) => w.stems.map((s) => s.slice(STEM_MARK.length, STEM_MARK.length + STEM_HEAD)))));
  const byPosition = new Map<number, Term[]>();
  const headList = [...heads];
  const stemWhen = (folded: string) => headList.some((h) => folded.startsWith(h));
  for (const t of analyze(text, heads.size === 0 ? { ...options, stems: false } : { ...options, stemWhen })) {
    const list = byPosition.get(t.position);
    if (list) list.push(t);
    else byPosition.set(t.position, [t]);
  }
  if (query.excluded.some((item) => occurrencesOf(item, byPosition).length > 0)) return null;
  let matchClass: MatchClass = 3;
  const ranges: [number, number][] = [];
  for (const group of query.groups) {
    let best: MatchClass = 0;
    for (const item of group) {
      for (const o of occurrencesOf(item, byPosition)) {
        best = Math.max(best, o.matchClass) as MatchClass;
        ranges.push(o.range);
      }
    }
    if (best === 0) return null;
    matchClass = Math.min(matchClass, best) as MatchClass;
  }
  return { matchClass, ranges: joinRanges(ranges) };
}

/** Overlapping ranges joined, in order. */
export function joinRanges(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r[0] < last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
