import { neutralize, neutralizeLines } from '../../../shared/text/neutralize.js';

/**
 * The web page's boundary for text from the server or another user (names, topics, notes, error
 * messages). React already escapes HTML; this also shows control, bidi and invisible characters as
 * visible `^X` / `⟨U+XXXX⟩` marks (see shared/text/neutralize.ts), and isolates the text in a
 * `<bdi>`, so right-to-left text (legitimate Arabic or Persian kept intact) cannot reorder what is
 * around it.
 */
export function Untrusted({ text }: { readonly text: string }) {
  return <bdi>{neutralize(text)}</bdi>;
}

/**
 * A message body: as {@link Untrusted}, line by line. Each line after the first is its own block,
 * indented under the text by the timeline's style, so no line of a message can pose as another
 * person's message.
 */
export function UntrustedLines({ text }: { readonly text: string }) {
  const [first, ...rest] = neutralizeLines(text);
  return (
    <bdi>
      {first}
      {rest.map((line, i) => (
        <span key={i} className="continuation">
          {line || ' '}
        </span>
      ))}
    </bdi>
  );
}
