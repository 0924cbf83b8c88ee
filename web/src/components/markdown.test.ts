import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown } from './markdown.js';

describe('Markdown (web)', () => {
  it('renders formatting as elements, links with noopener noreferrer, and highlights a mention of me', () => {
    const html = renderToStaticMarkup(createElement(Markdown, { text: '**b** ~~s~~ `@me` [x](https://a.org/) hi @Me', me: 'me' }));
    expect(html).toContain('<strong>');
    expect(html).toContain('<del>');
    expect(html).toContain('<a href="https://a.org/" target="_blank" rel="noopener noreferrer">');
    expect(html).toContain('<code><bdi>@me</bdi></code>');
    expect(html).toContain('class="mention mention-me"');
  });

  it('never makes a javascript: link or raw HTML', () => {
    const html = renderToStaticMarkup(createElement(Markdown, { text: '[x](javascript:alert(1)) <img src=x onerror=alert(1)>', me: 'me' }));
    expect(html).not.toContain('href');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img');
  });
});
