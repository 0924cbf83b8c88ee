import { neutralize } from '../../../shared/text/neutralize.js';

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
