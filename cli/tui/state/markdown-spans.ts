import type { MdBlock, MdInline } from '../../../shared/text/markdown.js';
import { parseMarkdown } from '../../../shared/text/markdown.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import type { Span } from './styled-wrap.js';

/**
 * One line of a formatted message before wrapping: `lead` goes before the first wrapped row (a list
 * bullet, a quote bar), `hang` before every later row (spaces under a bullet, the quote bar again),
 * and `text` is what wraps. `lead` and `hang` have the same display width.
 */
export interface BodyLine {
  readonly lead: readonly Span[];
  readonly hang: readonly Span[];
  readonly text: readonly Span[];
}

/** The styles inline markup adds to a span (bold, italic, strikethrough), carried down to nested nodes. */
type Marks = Pick<Span, 'bold' | 'italic' | 'strike'>;

/**
 * A link's target shown after its text, unless the text already is the target (an autolink, also a
 * bare `example.com` or `www.example.org` that opens as `https://example.com/`).
 */
function linkTarget(href: string, text: string): string | null {
  const bare = href.replace(/^(mailto:|https?:\/\/)/, '').replace(/\/$/, '');
  return text === href || `${text}/` === href || text.replace(/\/$/, '') === bare ? null : href;
}

/** The plain text of inline nodes (a link's text, to compare with its target). */
function inlineText(nodes: readonly MdInline[]): string {
  return nodes.map((n) => (n.type === 'text' || n.type === 'code' ? n.text : n.type === 'mention' ? `@${n.username}` : n.type === 'break' ? ' ' : inlineText(n.children))).join('');
}

/**
 * Inline nodes as lines of spans (a hard break or a newline inside a text starts a new line). Every
 * text is neutralized here, so no escape sequence from a message reaches the terminal.
 */
function inlineLines(nodes: readonly MdInline[], me: string): Span[][] {
  const lines: Span[][] = [[]];
  const push = (text: string, span: Omit<Span, 'text'>) => {
    text.split(/\r?\n/).forEach((part, i) => {
      if (i > 0) lines.push([]);
      if (part !== '') (lines[lines.length - 1] as Span[]).push({ ...span, text: neutralize(part) });
    });
  };
  const walk = (list: readonly MdInline[], marks: Marks, tone: Span['tone']) => {
    for (const n of list) {
      switch (n.type) {
        case 'text':
          push(n.text, { tone, ...marks });
          break;
        case 'code':
          push(n.text, { tone: 'code', ...marks });
          break;
        case 'mention':
          push(`@${n.username}`, { tone: me !== '' && n.username.toLowerCase() === me.toLowerCase() ? 'mention' : tone, ...marks });
          break;
        case 'break':
          lines.push([]);
          break;
        case 'strong':
          walk(n.children, { ...marks, bold: true }, tone);
          break;
        case 'em':
          walk(n.children, { ...marks, italic: true }, tone);
          break;
        case 'del':
          walk(n.children, { ...marks, strike: true }, tone);
          break;
        case 'link': {
          walk(n.children, marks, n.href === null ? tone : 'link');
          const target = n.href === null ? null : linkTarget(n.href, inlineText(n.children));
          if (target !== null) push(` <${target}>`, { tone: 'dim' });
          break;
        }
        default: {
          const unreachable: never = n;
          return unreachable;
        }
      }
    }
  };
  walk(nodes, {}, 'plain');
  return lines;
}

const plain = (text: string): Span => ({ text, tone: 'plain' });

/** Lines with a lead before their first line and a hang before the rest (a list item under its bullet). */
function prefixed(lines: readonly BodyLine[], first: readonly Span[], rest: readonly Span[]): BodyLine[] {
  return lines.map((line, i) => ({ lead: [...(i === 0 ? first : rest), ...line.lead], hang: [...rest, ...line.hang], text: line.text }));
}

function blockLines(blocks: readonly MdBlock[], me: string): BodyLine[] {
  const out: BodyLine[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'paragraph':
        out.push(...inlineLines(block.children, me).map((text) => ({ lead: [], hang: [], text })));
        break;
      case 'code': {
        // Indented under a bar, in the code style; each source line is a line of its own.
        const bar: Span[] = [{ text: '│ ', tone: 'dim' }];
        for (const line of block.text.split(/\r?\n/)) out.push({ lead: bar, hang: bar, text: line === '' ? [] : [{ text: neutralize(line), tone: 'code' }] });
        break;
      }
      case 'quote': {
        const bar: Span[] = [{ text: '┃ ', tone: 'dim' }];
        out.push(...prefixed(blockLines(block.children, me), bar, bar));
        break;
      }
      case 'list':
        block.items.forEach((item, i) => {
          const bullet = block.ordered ? `${block.start + i}. ` : '• ';
          const lines = blockLines(item, me);
          out.push(...prefixed(lines.length > 0 ? lines : [{ lead: [], hang: [], text: [] }], [{ text: bullet, tone: 'accent' }], [plain(' '.repeat(bullet.length))]));
        });
        break;
      case 'rule':
        out.push({ lead: [], hang: [], text: [{ text: '───', tone: 'dim' }] });
        break;
      default: {
        const unreachable: never = block;
        return unreachable;
      }
    }
  }
  return out;
}

/**
 * A message body formatted for the terminal: parsed by the shared markdown parser
 * (shared/text/markdown.ts, CommonMark with GFM strikethrough and autolinks) and turned into lines of
 * styled spans — bold, italic and strikethrough marks, inline code and code blocks in the `code`
 * tone (a block's lines under a bar, never joined), links in the `link` tone followed by their
 * target as ` <url>` unless the text is the URL, block quotes under `┃`, list items under their
 * bullet or number, and `@me` (any case, outside code and links) as a `mention`. Every text is
 * neutralized (shared/text/neutralize.ts). Always at least one line.
 */
export function markdownLines(text: string, me: string): BodyLine[] {
  const lines = blockLines(parseMarkdown(text), me);
  return lines.length > 0 ? lines : [{ lead: [], hang: [], text: [] }];
}
