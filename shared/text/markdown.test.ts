import { describe, expect, it } from 'vitest';
import { mentions, parseMarkdown, plainText, safeHref } from './markdown.js';

describe('parseMarkdown', () => {
  it('reads bold, italic, strikethrough, inline code, links, quotes, lists and code blocks', () => {
    expect(parseMarkdown('**b** _i_ ~~s~~ `c` [l](https://x.org/)')).toEqual([
      {
        type: 'paragraph',
        children: [
          { type: 'strong', children: [{ type: 'text', text: 'b' }] },
          { type: 'text', text: ' ' },
          { type: 'em', children: [{ type: 'text', text: 'i' }] },
          { type: 'text', text: ' ' },
          { type: 'del', children: [{ type: 'text', text: 's' }] },
          { type: 'text', text: ' ' },
          { type: 'code', text: 'c' },
          { type: 'text', text: ' ' },
          { type: 'link', href: 'https://x.org/', children: [{ type: 'text', text: 'l' }] },
        ],
      },
    ]);
    expect(parseMarkdown('> quoted\n\n- one\n- two\n\n```js\nlet x;\n```').map((b) => b.type)).toEqual(['quote', 'list', 'code']);
  });

  it('breaks lines at LF and CR LF only: a bare CR stays on its line as ^M, as neutralizeLines has it', () => {
    const lines = (text: string) => {
      const [first] = parseMarkdown(text);
      return first?.type === 'paragraph' ? first.children.map((c) => (c.type === 'break' ? '|' : c.type === 'text' ? c.text : '?')).join('') : '';
    };
    expect(lines('a\nb\r\nc\rd')).toBe('a|b|c^Md');
  });

  it('links bare URLs (GFM autolinks)', () => {
    expect(parseMarkdown('see www.example.com')[0]).toMatchObject({ children: [{ type: 'text', text: 'see ' }, { type: 'link', href: 'https://www.example.com/' }] });
  });

  it('refuses javascript: and data: targets and keeps raw HTML as text', () => {
    expect(parseMarkdown('[x](javascript:alert(1))')[0]).toMatchObject({ children: [{ type: 'link', href: null }] });
    expect(safeHref('data:text/html,<b>')).toBeNull();
    expect(safeHref('JAVASCRIPT:alert(1)')).toBeNull();
    expect(JSON.stringify(parseMarkdown('<img src=x onerror=alert(1)>'))).toContain('"type":"text"');
    expect(JSON.stringify(parseMarkdown('<img src=x onerror=alert(1)>'))).not.toContain('"type":"link"');
  });
});

describe('parseMarkdown and look-alike hosts (every client draws this tree)', () => {
  // A link with a refused target (href null) is drawn as its text.
  const links = (text: string) => /"type":"link","href":"/.test(JSON.stringify(parseMarkdown(text)));

  it('keeps a host with a slash or dot look-alike as text, bare, with a scheme, or as a link target', () => {
    for (const text of ['paypal.com\u2044signin.evil.com', 'https://paypal.com\u2215login@evil.com', '<https://paypal.com\u2215login@evil.com>', 'www.paypal\uff0ecom.evil.com', 'see https://paypal\u3002com.evil.com/x']) {
      expect(links(text), text).toBe(false);
      expect(plainText(text), text).toBe(text.replace(/^<|>$/g, ''));
    }
    expect(parseMarkdown('[paypal](https://paypal.com\u2215login@evil.com)')[0]).toMatchObject({ children: [{ type: 'link', href: null, children: [{ type: 'text', text: 'paypal' }] }] });
  });

  it('does not auto-link a bare mixed-script host (\u0430pple.com, Cyrillic \u0430), with or without a scheme', () => {
    for (const text of ['\u0430pple.com', 'https://\u0430pple.com', 'www.\u0430pple.com']) expect(links(text), text).toBe(false);
    // Written as an explicit link it keeps its target, which the clients show (punycode).
    expect(parseMarkdown('[apple](https://\u0430pple.com)')[0]).toMatchObject({ children: [{ type: 'link', href: 'https://xn--pple-43d.com/' }] });
  });
});

describe('mentions', () => {
  it('finds @name in running text, in any case, but not inside code spans, code blocks or longer names', () => {
    expect(mentions('hey @Bob, look', 'bob')).toBe(true);
    expect(mentions('**@bob** look', 'bob')).toBe(true);
    expect(mentions('run `@bob` now', 'bob')).toBe(false);
    expect(mentions('```\n@bob\n```', 'bob')).toBe(false);
    expect(mentions('hi @bobby', 'bob')).toBe(false);
    expect(mentions('mail bob@bob.org', 'bob')).toBe(false);
    expect(mentions('ping @bob.', 'bob')).toBe(true);
  });
});

describe('plainText', () => {
  it('drops the formatting marks and keeps the words, mentions and code on one line', () => {
    expect(plainText('hello **alice**, see `code` and @alice\n\n- one\n- two\n\n> quoted [link](https://x.org/)')).toBe('hello alice, see code and @alice one two quoted link');
  });
});
