import { neutralizeLines } from '../../../shared/text/neutralize.js';
import { splitLinks } from '../timeline/links.js';
import { LinkTo } from './link-to.js';

// Apart from untrusted-text.tsx so that pages without message bodies (the sign-in page) do not load
// the linkifier and its list of top-level domains.

/** One neutralized line with its http, https and mailto addresses as links (LinkTo: new tab, no access to this page, an IDN host shown). */
function LinkedLine({ line }: { readonly line: string }) {
  return (
    <>
      {splitLinks(line).map((part, i) =>
        part.href === undefined ? (
          part.text
        ) : (
          <LinkTo key={i} href={part.href} text={part.text}>
            {part.text}
          </LinkTo>
        ),
      )}
    </>
  );
}

/**
 * A message body: as Untrusted (untrusted-text.tsx), line by line, links made clickable (see timeline/links.ts).
 * Each line after the first is its own block (`.continuation`), starting under the text, so no line
 * of a message can pose as another person's message.
 */
export function UntrustedLines({ text }: { readonly text: string }) {
  const [first = '', ...rest] = neutralizeLines(text);
  return (
    <bdi>
      <LinkedLine line={first} />
      {rest.map((line, i) => (
        <span key={i} className="continuation">
          {line ? <LinkedLine line={line} /> : ' '}
        </span>
      ))}
    </bdi>
  );
}
