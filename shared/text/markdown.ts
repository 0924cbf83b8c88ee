import { Lexer } from 'marked';
import type { Token, Tokens } from 'marked';
import { findLinks, safeLinkHref } from './links.js';

/*
 * Message formatting: CommonMark with GFM strikethrough and autolinks, parsed by `marked`'s lexer (no
 * HTML is ever produced) into the small tree below, which the TUI renders with terminal styles and the
 * web as React elements. Raw HTML stays text, links keep only http(s) and mailto targets, and `@name`
 * becomes a mention only in running text (never in a code span, code block or link).
 */

/** Inline content. A `link` with `href: null` had a refused target (javascript:, data:, …) and shows as text. */
export type MdInline =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'strong' | 'em' | 'del'; readonly children: readonly MdInline[] }
  | { readonly type: 'code'; readonly text: string }
  | { readonly type: 'link'; readonly href: string | null; readonly children: readonly MdInline[] }
  | { readonly type: 'mention'; readonly username: string }
  | { readonly type: 'break' };

/** Block content. Headings, tables and anything else keep their text as a paragraph. */
export type MdBlock =
  | { readonly type: 'paragraph'; readonly children: readonly MdInline[] }
  | { readonly type: 'code'; readonly lang: string; readonly text: string }
  | { readonly type: 'quote'; readonly children: readonly MdBlock[] }
  | { readonly type: 'list'; readonly ordered: boolean; readonly start: number; readonly items: readonly (readonly MdBlock[])[] }
  | { readonly type: 'rule' };

/** The link target if it is an absolute http, https or mailto URL; null for anything else (javascript:, data:, relative). */
export function safeHref(href: string): string | null {
  return safeLinkHref(href);
}

// A mention: `@` not preceded by a word character or another `@`, then a username (see names.ts).
const MENTION = /(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]|[A-Za-z0-9])/g;

/** Running text with its bare links (shared/text/links.ts: `example.com`, `docs.example.org/path`) as links. */
function textWithLinks(text: string): MdInline[] {
  const out: MdInline[] = [];
  let last = 0;
  for (const link of findLinks(text)) {
    if (link.index > last) out.push({ type: 'text', text: text.slice(last, link.index) });
    out.push({ type: 'link', href: link.href, children: [{ type: 'text', text: link.text }] });
    last = link.lastIndex;
  }
  if (last < text.length) out.push({ type: 'text', text: text.slice(last) });
  return out;
}

function textWithMentions(text: string): MdInline[] {
  const out: MdInline[] = [];
  let last = 0;
  for (const m of text.matchAll(MENTION)) {
    const at = m.index;
    if (at > last) out.push({ type: 'text', text: text.slice(last, at) });
    out.push({ type: 'mention', username: m[1] as string });
    last = at + m[0].length;
  }
  if (last < text.length) out.push({ type: 'text', text: text.slice(last) });
  return out;
}

function inlines(tokens: readonly Token[] | undefined, inLink = false): MdInline[] {
  const out: MdInline[] = [];
  for (const token of tokens ?? []) {
    switch (token.type) {
      case 'text':
      case 'escape': {
        const t = token as Tokens.Text;
        if (t.tokens && t.tokens.length > 0) out.push(...inlines(t.tokens, inLink));
        else out.push(...(inLink ? [{ type: 'text' as const, text: t.text }] : textWithMentions(t.text).flatMap((n) => (n.type === 'text' ? textWithLinks(n.text) : [n]))));
        break;
      }
      case 'strong':
      case 'em':
      case 'del':
        out.push({ type: token.type, children: inlines((token as Tokens.Strong).tokens, inLink) });
        break;
      case 'codespan':
        out.push({ type: 'code', text: (token as Tokens.Codespan).text });
        break;
      case 'br':
        out.push({ type: 'break' });
        break;
      case 'link': {
        const t = token as Tokens.Link;
        // A bare address marked found itself (GFM autolink: `https://…`, `www.…`, an e-mail) follows the
        // one link rule (links.ts), which refuses look-alike delimiters and mixed-script hosts.
        if (!inLink && t.raw === t.text && !/^[[<]/.test(t.raw)) {
          out.push(...textWithLinks(t.raw));
          break;
        }
        // A GFM `www.` autolink (marked gives it http://) opens over https, as a bare domain does.
        const href = /^www\./i.test(t.raw) && t.href.startsWith('http://') ? `https://${t.href.slice('http://'.length)}` : t.href;
        out.push({ type: 'link', href: safeHref(href), children: inlines(t.tokens, true) });
        break;
      }
      case 'image': {
        // Images are not fetched: shown as a link to their target.
        const t = token as Tokens.Image;
        out.push({ type: 'link', href: safeHref(t.href), children: [{ type: 'text', text: t.text || t.href }] });
        break;
      }
      default:
        // Raw HTML and anything unknown: shown as typed.
        out.push({ type: 'text', text: token.raw });
    }
  }
  return out;
}

function blocks(tokens: readonly Token[]): MdBlock[] {
  const out: MdBlock[] = [];
  for (const token of tokens) {
    switch (token.type) {
      case 'space':
        break;
      case 'paragraph':
      case 'heading':
      case 'text':
        out.push({ type: 'paragraph', children: inlines((token as Tokens.Paragraph).tokens ?? [{ type: 'text', raw: token.raw, text: token.raw } as Tokens.Text]) });
        break;
      case 'code': {
        const t = token as Tokens.Code;
        out.push({ type: 'code', lang: t.lang ?? '', text: t.text });
        break;
      }
      case 'blockquote':
        out.push({ type: 'quote', children: blocks((token as Tokens.Blockquote).tokens) });
        break;
      case 'list': {
        const t = token as Tokens.List;
        out.push({ type: 'list', ordered: t.ordered, start: typeof t.start === 'number' ? t.start : 1, items: t.items.map((item) => blocks(item.tokens)) });
        break;
      }
      case 'hr':
        out.push({ type: 'rule' });
        break;
      default:
        // Tables, raw HTML blocks and anything unknown: their text, as typed.
        out.push({ type: 'paragraph', children: [{ type: 'text', text: token.raw.replace(/\n+$/, '') }] });
    }
  }
  return out;
}

/**
 * Parses a message body (CommonMark + GFM strikethrough and autolinks, via marked's lexer) into blocks.
 * Never throws and never produces HTML; the caller renders the tree. Lines end at `\n` or `\r\n` only,
 * as in neutralizeLines (neutralize.ts): a bare CR is no line break (marked would make it one) but the
 * `^M` every surface shows for it.
 */
export function parseMarkdown(text: string): MdBlock[] {
  return blocks(new Lexer({ gfm: true, breaks: true }).lex(text.replace(/\r(?!\n)/g, '^M')));
}

function collectMentions(nodes: readonly (MdBlock | MdInline)[], into: Set<string>): void {
  for (const node of nodes) {
    if (node.type === 'mention') into.add(node.username.toLowerCase());
    else if (node.type === 'list') for (const item of node.items) collectMentions(item, into);
    else if ('children' in node) collectMentions(node.children, into);
  }
}

/** The usernames (lower case) a parsed message mentions with `@name` outside code and links. */
export function mentionedUsers(tree: readonly MdBlock[]): Set<string> {
  const found = new Set<string>();
  collectMentions(tree, found);
  return found;
}

const mentionCache = new Map<string, Set<string>>();
const MENTION_CACHE_SIZE = 2_000;

/**
 * Whether the text mentions `username` (any case) outside code spans, code blocks and links. Parses
 * are remembered for the last 2,000 texts, since clients ask again on every render.
 */
export function mentions(text: string, username: string): boolean {
  if (!text.includes('@')) return false;
  let users = mentionCache.get(text);
  if (!users) {
    users = mentionedUsers(parseMarkdown(text));
    if (mentionCache.size >= MENTION_CACHE_SIZE) mentionCache.clear();
    mentionCache.set(text, users);
  }
  return users.has(username.toLowerCase());
}

function plainInlines(nodes: readonly MdInline[]): string {
  return nodes.map((n) => (n.type === 'text' || n.type === 'code' ? n.text : n.type === 'mention' ? `@${n.username}` : n.type === 'break' ? ' ' : plainInlines(n.children))).join('');
}

function plainBlocks(nodes: readonly MdBlock[]): string[] {
  return nodes.flatMap((n) => {
    switch (n.type) {
      case 'paragraph':
        return [plainInlines(n.children)];
      case 'code':
        return [n.text];
      case 'quote':
        return plainBlocks(n.children);
      case 'list':
        return n.items.flatMap((item) => plainBlocks(item));
      case 'rule':
        return [];
    }
  });
}

/** A message's text without its formatting marks, on one line (for a reply's quote or a notice): `**hi** _you_` → `hi you`. */
export function plainText(text: string): string {
  return plainBlocks(parseMarkdown(text)).join(' ').replace(/\s+/g, ' ').trim();
}
