import { describe, expect, it } from 'vitest';
import { findLinks, shownLinkTarget } from './links.js';
import { parseMarkdown } from './markdown.js';

const hrefs = (text: string) => findLinks(text).map((l) => [l.text, l.href]);

describe('findLinks', () => {
  it('links bare domains with a real TLD over https, with their paths', () => {
    expect(hrefs('see example.com and docs.example.org/path?q=1 or example.co.uk.')).toEqual([
      ['example.com', 'https://example.com/'],
      ['docs.example.org/path?q=1', 'https://docs.example.org/path?q=1'],
      ['example.co.uk', 'https://example.co.uk/'],
    ]);
    // TLDs beyond linkify-it's short default list come from the full list.
    expect(hrefs('try example.dev or example.photography')).toEqual([
      ['example.dev', 'https://example.dev/'],
      ['example.photography', 'https://example.photography/'],
    ]);
  });

  it('keeps schemes and www. hosts, e-mail addresses as mailto:', () => {
    expect(hrefs('http://a.example/x www.example.org mail bob@example.com')).toEqual([
      ['http://a.example/x', 'http://a.example/x'],
      ['www.example.org', 'https://www.example.org/'],
      ['bob@example.com', 'mailto:bob@example.com'],
    ]);
  });

  it('leaves file names, versions, abbreviations, IP addresses and non-addresses as text', () => {
    for (const text of ['file.txt', 'node.js', 'v1.2.3', '1.2.3', 'e.g. this', 'i.e.', 'readme.md', 'setup.py', 'run.sh', 'main.rs', 'notes.zip', 'me@file.txt', '10.0.0.1', 'john.doe']) {
      expect(hrefs(text), text).toEqual([]);
    }
    // A file-extension TLD with a path or a subdomain is a site after all.
    expect(hrefs('lib.rs/crates docs.python.py')).toEqual([
      ['lib.rs/crates', 'https://lib.rs/crates'],
      ['docs.python.py', 'https://docs.python.py/'],
    ]);
  });

  it('never links another scheme', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'ftp://example.com/x', 'file:///etc/passwd', 'vbscript:msgbox(1)', '//evil.example/x', 'javascript://example.com/%0aalert(1)']) {
      expect(hrefs(text), text).toEqual([]);
    }
  });
});

describe('look-alike delimiters and mixed-script hosts', () => {
  const lookalikes = ['\u2044', '\u2215', '\u29f8', '\uff0f', '\u2024', '\ufe52', '\uff0e', '\u3002', '\uff61', '\uff1a', '\uff20', '\ufe6b', '\uff1f', '\uff03', '\uff3c', '\u2236'];

  it('links no host holding a slash, dot, colon, at, ? or # look-alike (it stays text)', () => {
    expect(hrefs('paypal.com\u2044signin.evil.com')).toEqual([]);
    expect(hrefs('https://paypal.com\u2215login@evil.com')).toEqual([]);
    expect(hrefs('go to www.paypal.com\uff0flogin.evil.com now')).toEqual([]);
    for (const ch of lookalikes) {
      for (const text of [`paypal.com${ch}signin.evil.com`, `https://paypal.com${ch}login@evil.com`, `https://paypal${ch}com.evil.com/x`, `www.paypal.com${ch}x.evil.com`]) {
        expect(hrefs(text), text).toEqual([]);
      }
    }
    // After the host, in the path, such a character is harmless.
    expect(hrefs('example.com/a\u2044b')).toEqual([['example.com/a\u2044b', 'https://example.com/a%E2%81%84b']]);
  });

  it('does not link a bare host that mixes scripts in one label, but links a single-script IDN', () => {
    expect(hrefs('\u0430pple.com')).toEqual([]);
    expect(hrefs('https://\u0430pple.com/login')).toEqual([]);
    expect(hrefs('www.p\u0430ypal.com')).toEqual([]);
    expect(hrefs('\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444')).toEqual([['\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444', 'https://xn--e1afmkfd.xn--p1ai/']]);
  });

  it('names the target to show: the host when the text is not the address or the host is an IDN', () => {
    expect(shownLinkTarget('https://evil.com/', 'https://paypal.com')).toBe('evil.com');
    expect(shownLinkTarget('https://example.com/', 'example.com')).toBeNull();
    expect(shownLinkTarget('https://example.com/x', 'https://example.com/x')).toBeNull();
    expect(shownLinkTarget('https://xn--e1afmkfd.xn--p1ai/', '\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444')).toBe('xn--e1afmkfd.xn--p1ai');
    expect(shownLinkTarget('mailto:bob@example.com', 'bob@example.com')).toBeNull();
    expect(shownLinkTarget('mailto:bob@evil.com', 'write to alice')).toBe('bob@evil.com');
  });
});

describe('parseMarkdown links bare domains (the TUI and the web draw this tree)', () => {
  it('makes example.com a link in running text, but not in code and not a mention', () => {
    expect(parseMarkdown('go to example.com now')[0]).toMatchObject({
      children: [{ type: 'text', text: 'go to ' }, { type: 'link', href: 'https://example.com/', children: [{ type: 'text', text: 'example.com' }] }, { type: 'text', text: ' now' }],
    });
    expect(JSON.stringify(parseMarkdown('`example.com`'))).not.toContain('"type":"link"');
    expect(parseMarkdown('hi @bob.dev')[0]).toMatchObject({ children: [{ type: 'text', text: 'hi ' }, { type: 'mention', username: 'bob.dev' }] });
    expect(JSON.stringify(parseMarkdown('see file.txt and node.js v1.2.3'))).not.toContain('"type":"link"');
  });
});
