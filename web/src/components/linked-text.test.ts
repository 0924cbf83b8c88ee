import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { UntrustedLines } from './linked-text.js';

const render = (text: string) => renderToStaticMarkup(createElement(UntrustedLines, { text }));

describe('UntrustedLines (plain message lines on the web)', () => {
  it('shows the punycode host after an IDN link, with the full address as its title, and nothing after a plain one', () => {
    const idn = render('\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444');
    expect(idn).toContain('title="https://xn--e1afmkfd.xn--p1ai/"');
    expect(idn).toMatch(/<\/a><span class="link-target[^"]*"> \(xn--e1afmkfd\.xn--p1ai\)<\/span>/);
    expect(render('see example.com')).not.toContain('link-target');
  });

  it('links neither a host with a slash look-alike nor a mixed-script host', () => {
    for (const text of ['paypal.com\u2044signin.evil.com', 'https://paypal.com\u2215login@evil.com', '\u0430pple.com']) expect(render(text), text).not.toContain('<a ');
  });
});
