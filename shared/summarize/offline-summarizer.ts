import stringWidth from 'string-width';
import type { SummaryType } from '../protocol/index.js';
import { fitWidth } from '../text/fit-width.js';
import { analyze } from './analysis.js';
import type { Analysis, ConversationLine, Sentence } from './analysis.js';

/**
 * The width (terminal columns) a quoting line of the summary fits in when the reader's is not known:
 * a long message is quoted in part, with `…`, not whole.
 */
export const SUMMARY_COLUMNS = 100;

/** However narrow the line, a quote keeps this many columns (the line is then wider than asked). */
const MIN_QUOTE_COLUMNS = 24;

/** `prefix` and `quote` as one line of at most `columns` columns, the quote cut to fit (see fitWidth). */
function quoting(prefix: string, quote: string, columns: number): string {
  return `${prefix}${fitWidth(quote, Math.max(MIN_QUOTE_COLUMNS, columns - stringWidth(prefix)))}`;
}

/** How many sentences each type picks. */
const PICKS: Record<SummaryType, number> = { general: 3, detailed: 10, bullets: 6, topics: 5 };

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function clock(iso: string): string {
  return iso.slice(11, 16);
}

/** "42 messages from alice, bob and carol, 2026-11-01 10:00 to 12:30, mostly about deploy and release notes." */
export function overview(lines: readonly ConversationLine[], analysis: Analysis): string {
  if (lines.length === 0) return 'There are no messages to summarize.';
  const first = lines[0] as ConversationLine;
  const last = lines.at(-1) as ConversationLine;
  const sameDay = first.at.slice(0, 10) === last.at.slice(0, 10);
  const when = `${first.at.slice(0, 10)} ${clock(first.at)} to ${sameDay ? '' : `${last.at.slice(0, 10)} `}${clock(last.at)} UTC`;
  const people = analysis.participants.map((p) => p.username);
  const about = analysis.topics.slice(0, 3).map((t) => t.label);
  return `${lines.length} message${lines.length === 1 ? '' : 's'} from ${list(people.length > 4 ? [...people.slice(0, 4), `${people.length - 4} more`] : people)}, ${when}${about.length ? `, mostly about ${list(about)}` : ''}.`;
}

function best(analysis: Analysis, count: number): Sentence[] {
  return [...analysis.sentences]
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, count)
    .sort((a, b) => a.index - b.index);
}

/**
 * The built-in extractive summarizer: no model, nothing leaves the machine. It picks the most
 * central sentences (TextRank) and the recurring subjects (TF-IDF) and lays them out per type, each
 * quoting line in at most `columns` terminal columns (default SUMMARY_COLUMNS; a quote keeps at
 * least 24): a sentence that does not fit is cut with `…` and quoted on one line. The overview line
 * and the analysis (participants' main points whole) are not cut.
 */
export function summarizeOffline(lines: readonly ConversationLine[], type: SummaryType, columns: number = SUMMARY_COLUMNS): { text: string; analysis: Analysis } {
  const analysis = analyze(lines);
  const head = overview(lines, analysis);
  if (lines.length === 0) return { text: head, analysis };
  const picked = best(analysis, PICKS[type]);
  const at = (s: Sentence) => (lines[s.line] as ConversationLine).at;
  let body: string[];
  switch (type) {
    case 'general':
      body = picked.map((s) => quoting(`${s.sender}: `, s.text, columns));
      break;
    case 'detailed':
      body = picked.map((s) => quoting(`[${clock(at(s))}] ${s.sender}: `, s.text, columns));
      break;
    case 'bullets':
      body = picked.map((s) => quoting(`• ${s.sender}: `, s.text, columns));
      break;
    case 'topics': {
      // Each topic's gist is its best sentence not already given for another topic.
      const used = new Set<number>();
      body = analysis.topics.slice(0, PICKS.topics).map((topic) => {
        const parts = topic.key.split(' ');
        const gist = [...analysis.sentences].filter((s) => !used.has(s.index) && parts.every((p) => s.terms.includes(p))).sort((a, b) => b.score - a.score)[0];
        if (gist) used.add(gist.index);
        const who = `${topic.messages} message${topic.messages === 1 ? '' : 's'} by ${list(topic.senders)}`;
        const head = `${topic.label} (${who})`;
        return gist ? quoting(`${head} — ${gist.sender}: `, gist.text, columns) : head;
      });
      break;
    }
  }
  return { text: [head, '', ...body].join('\n'), analysis };
}
