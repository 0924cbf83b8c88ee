import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown } from './markdown.js';

describe('Markdown (web)', () => {
  it('renders formatting as elements, links with noopener noreferrer, and highlights a mention of me', () => {
    const html = renderToStaticMarkup(createElement(Markdown, { text: '**b** ~~s~~ `@me` [x](https://a.org/) hi @Me', me: 'me' }));
    expect(html).toContain('<strong>');
    expect(html).toContain('<del>');
    expect(html).toContain('<a href="https://a.org/" target="_blank" rel="noopener noreferrer nofollow"');
    expect(html).toContain('<code><bdi>@me</bdi></code>');
    expect(html).toContain('class="mention mention-me"');
  });

  it('never makes a javascript: link or raw HTML', () => {
    const html = renderToStaticMarkup(createElement(Markdown, { text: '[x](javascript:alert(1)) <img src=x onerror=alert(1)>', me: 'me' }));
    expect(html).not.toContain('href');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img');
  });

  it('puts each line after a break in its own continuation block, and keeps a code block\'s newlines with its controls shown', () => {
    const html = renderToStaticMarkup(createElement(Markdown, { text: 'hello\n12:00 mallory: me too\n\n```\na\u001b[2J\nb\n```', me: 'me' }));
    expect(html).toContain('<span class="continuation"><bdi>12:00 mallory: me too</bdi></span>');
    expect(html).toContain('<pre><code><bdi>a^[[2J\nb</bdi></code></pre>');
  });

  it('renders lists, quotes, italic and code blocks as elements', () => {
    const html = renderToStaticMarkup(createElement(Markdown, { text: '*i* and _j_\n\n- one\n- two\n\n1. first\n\n> quoted', me: 'me' }));
    expect(html).toContain('<em><bdi>i</bdi></em>');
    expect(html).toMatch(/<ul><li><p><bdi>one<\/bdi><\/p><\/li><li>/);
    expect(html).toContain('<ol start="1"><li>');
    expect(html).toContain('<blockquote><p><bdi>quoted</bdi></p></blockquote>');
  });

  it('shows the real target after a link whose text is not its address, and the punycode host of an IDN', () => {
    const html = renderToStaticMarkup(createElement(Markdown, { text: '[https://paypal.com](https://evil.com)', me: 'me' }));
    expect(html).toContain('title="https://evil.com/"');
    expect(html).toMatch(/<\/a><span class="link-target[^"]*"> \(evil\.com\)<\/span>/);
    const idn = renderToStaticMarkup(createElement(Markdown, { text: '[apple.com](https://\u0430pple.com) and \u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444', me: 'me' }));
    expect(idn).toContain('> (xn--pple-43d.com)</span>');
    expect(idn).toContain('> (xn--e1afmkfd.xn--p1ai)</span>');
    // A bare mixed-script host is no link at all; an address shown as itself gets no suffix.
    const bare = renderToStaticMarkup(createElement(Markdown, { text: '\u0430pple.com and example.com', me: 'me' }));
    expect(bare.match(/<a /g)).toHaveLength(1);
    expect(bare).not.toContain('link-target');
  });

  it('keeps a host with a slash look-alike as text', () => {
    for (const text of ['paypal.com\u2044signin.evil.com', 'https://paypal.com\u2215login@evil.com']) {
      expect(renderToStaticMarkup(createElement(Markdown, { text, me: 'me' })), text).not.toContain('<a ');
    }
  });
});
