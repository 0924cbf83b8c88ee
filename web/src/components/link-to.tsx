import type { ReactNode } from 'react';
import { shownLinkTarget } from '../../../shared/text/links.js';

/**
 * A link in a message that opens in a new tab without access to this page (`rel="noopener noreferrer
 * nofollow"`), with its full address as its title. When its text is not its address (`[paypal.com](https://evil.com)`)
 * or its host is an IDN (shown in punycode, `xn--pple-43d.com`), the real target follows it visibly as a
 * small `(host)`, by the one rule of shared/text/links.ts ({@link shownLinkTarget}); `text` is the link's
 * plain text, compared with `href`.
 */
export function LinkTo({ href, text, children }: { readonly href: string; readonly text: string; readonly children: ReactNode }) {
  const target = shownLinkTarget(href, text);
  return (
    <>
      <a href={href} target="_blank" rel="noopener noreferrer nofollow" title={href} className="text-accent underline [overflow-wrap:anywhere]">
        {children}
      </a>
      {target !== null && <span className="link-target text-dim text-xs [overflow-wrap:anywhere]"> ({target})</span>}
    </>
  );
}
