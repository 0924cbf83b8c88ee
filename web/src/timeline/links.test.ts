import { describe, expect, it } from 'vitest';
import { splitLinks } from './links.js';

describe('splitLinks', () => {
  it('makes http, https and mailto addresses links, and keeps the text around them', () => {
    expect(splitLinks('see https://example.com/a?b=1 and www.example.org, or mail a@b.org')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ' and ' },
      { text: 'www.example.org', href: 'https://www.example.org/' },
      { text: ', or mail ' },
      { text: 'a@b.org', href: 'mailto:a@b.org' },
    ]);
  });

  it('leaves every other scheme as text', () => {
    for (const line of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'ftp://example.com/x', 'file:///etc/passwd', 'vbscript:msgbox(1)', '//evil.example/x']) {
      expect(splitLinks(line).every((p) => p.href === undefined)).toBe(true);
    }
  });

  it('answers a line with no link as one text part', () => {
    expect(splitLinks('hello there')).toEqual([{ text: 'hello there' }]);
    expect(splitLinks('')).toEqual([]);
  });
});
