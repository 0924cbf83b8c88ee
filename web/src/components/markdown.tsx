import type { ReactNode } from 'react';
import type { MdBlock, MdInline } from '../../../shared/text/markdown.js';
import { parseMarkdown } from '../../../shared/text/markdown.js';
import { Untrusted } from './untrusted-text.js';

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
        <a key={key} href={node.href} target="_blank" rel="noopener noreferrer">
          {node.children.map((c, i) => inline(c, i, me))}
        </a>
      );
    default: {
      const unreachable: never = node;
      return String(unreachable);
    }
  }
}

function block(node: MdBlock, key: number, me: string): ReactNode {
  switch (node.type) {
    case 'paragraph':
      return <p key={key}>{node.children.map((c, i) => inline(c, i, me))}</p>;
    case 'code':
      return (
        <pre key={key}>
          <code>
            <Untrusted text={node.text} />
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
 * `rel="noopener noreferrer"` and only for http(s) and mailto targets, and mentions of `me` are marked
 * (`mention-me`) for highlighting.
 */
export function Markdown({ text, me }: { readonly text: string; readonly me: string }) {
  return <div className="markdown">{parseMarkdown(text).map((b, i) => block(b, i, me))}</div>;
}
