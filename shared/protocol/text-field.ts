import { z } from 'zod';

/** C0 controls, DEL and C1 controls: never part of one line of text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/**
 * What a multi-line text (a message body) may not hold: NUL alone, which no PostgreSQL text can keep.
 * A body is what someone typed or pasted (a log with colour codes, a CR from another system): it is
 * stored as sent, and every client neutralizes it where it is shown (shared/text/neutralize.ts) —
 * which clients must do anyway, since private bodies are ciphertext the server cannot check.
 */
const NUL = /\u0000/;
/** A surrogate code unit not part of a pair (with the `u` flag a well-formed pair is one code point). */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * A text field of the protocol: a string with no lone surrogates (which no UTF-8 store can keep) and no
 * NUL. A one-line field (names, topics, device names, queries) also refuses every other control
 * character (ESC, CR, LF, TAB, DEL, C1, ...); a `multiLine` text (a message body) keeps them, to be
 * neutralized where it is shown. Failures are ordinary zod issues, so the edge answers
 * `invalid_request` naming the field. Chain `.min()`, `.max()`, `.trim()` on it as on any string.
 */
export function TextField(options: { readonly multiLine?: boolean } = {}): z.ZodString {
  const control = options.multiLine ? NUL : CONTROL;
  return z
    .string()
    .refine((s) => !control.test(s), options.multiLine ? 'a NUL character is not allowed' : 'control characters and line breaks are not allowed')
    .refine((s) => !LONE_SURROGATE.test(s), 'the text is not valid Unicode (it has a lone surrogate)');
}

/** Whether a string would pass a one-line TextField, for text checked outside a schema (path segments). */
export function isSingleLineText(s: string): boolean {
  return !CONTROL.test(s) && !LONE_SURROGATE.test(s);
}
