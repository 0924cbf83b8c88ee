import type { ReactNode } from 'react';
import type { MdBlock, MdInline } from '../../../shared/text/markdown.js';
import { parseMarkdown } from '../../../shared/text/markdown.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import { LinkTo } from './link-to.js';
import { Untrusted } from './untrusted-text.js';

/** The plain text of inline nodes (a link's text, to compare with its target). */
function inlineText(nodes: readonly MdInline[]): string {
  return nodes.map((n) => (n.type === 'text' || n.type === 'code' ? n.text : n.type === 'mention' ? `@${n.username}` : n.type === 'break' ? ' ' : inlineText(n.children))).join('');
}

function inline(node: MdInline, key: number, me: string): ReactNode {
  switch (node.type) {
    case 'text':
      return <Untrusted key={key} text={node.text} />;
    case 'strong':
      return <strong key={key}>{node.children.map((c, i) => inline(c, i, me))}</strong>;
    case 'em':
      return <em key={key}>{node.children.map((c, i) => inline(c, i, me))}</em>;
    case 'del':
      return <del key={key}>{node.children.map((c, i) => inline(c, i, me))}</del>;
    case 'code':
      return (
        <code key={key}>
          <Untrusted text={node.text} />
        </code>
      );
    case 'break':
      return <br key={key} />;
    case 'mention':
      return (
        <span key={key} className={node.username.toLowerCase() === me.toLowerCase() ? 'mention mention-me' : 'mention'}>
          @<Untrusted text={node.username} />
        </span>
      );
    case 'link':
      // A refused target (javascript:, data:, relative) is shown as its text, never as a link.
      return node.href === null ? (
        <span key={key}>{node.children.map((c, i) => inline(c, i, me))}</span>
      ) : (
        <LinkTo key={key} href={node.href} text={inlineText(node.children)}>
          {node.children.map((c, i) => inline(c, i, me))}
        </LinkTo>
      );
    default: {
      const unreachable: never = node;
      return String(unreachable);
    }
  }
}

/** A paragraph's inlines cut at its line breaks. */
function lines(children: readonly MdInline[]): MdInline[][] {
  const out: MdInline[][] = [[]];
  for (const c of children) {
    if (c.type === 'break') out.push([]);
    else out.at(-1)?.push(c);
  }
  return out;
}

function block(node: MdBlock, key: number, me: string): ReactNode {
  switch (node.type) {
    case 'paragraph': {
      // Each line after a break is its own block (`.continuation`), starting under the text, so no line
      // of a message can pose as another person's message.
      const [first = [], ...rest] = lines(node.children);
      return (
        <p key={key}>
          {first.map((c, i) => inline(c, i, me))}
          {rest.map((line, i) => (
            <span key={`l${i}`} className="continuation">
              {line.length > 0 ? line.map((c, j) => inline(c, j, me)) : ' '}
            </span>
          ))}
        </p>
      );
    }
    case 'code':
      // A code block keeps its newlines (each line still neutralized) inside <pre>.
      return (
        <pre key={key}>
          <code>
            <bdi>{neutralize(node.text, { multiline: true })}</bdi>
          </code>
        </pre>
      );
    case 'quote':
      return <blockquote key={key}>{node.children.map((c, i) => block(c, i, me))}</blockquote>;
    case 'list': {
      const items = node.items.map((item, i) => <li key={i}>{item.map((c, j) => block(c, j, me))}</li>);
      return node.ordered ? (
        <ol key={key} start={node.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'rule':
      return <hr key={key} />;
    default: {
      const unreachable: never = node;
      return String(unreachable);
    }
  }
}

/**
 * A message body with its formatting (shared/text/markdown.ts) as React elements only: no raw HTML
 * ever reaches the page, text passes the {@link Untrusted} boundary, links open with
 * `rel="noopener noreferrer"` and only for http(s) and mailto targets, a link whose text is not its
 * target or whose host is an IDN followed by its real host (LinkTo), and mentions of `me` are marked
 * (`mention-me`) for highlighting. A paragraph's lines after the first are `.continuation` blocks.
 */
export function Markdown({ text, me, className }: { readonly text: string; readonly me: string; readonly className?: string }) {
  return <div className={className ? `markdown ${className}` : 'markdown'}>{parseMarkdown(text).map((b, i) => block(b, i, me))}</div>;
}
