import { z } from 'zod';

/** C0 controls, DEL and C1 controls: never part of one line of text. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The same, less tab and newline, which a multi-line text keeps. */
const CONTROL_EXCEPT_TAB_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** A surrogate code unit not part of a pair (with the `u` flag a well-formed pair is one code point). */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * A text field of the protocol: a string with no lone surrogates (which no UTF-8 store can keep) and no
 * control characters (NUL, ESC, DEL, C1, ...). `multiLine` texts (message bodies) may keep `\n` and
 * `\t`; every other field (names, topics, device names, queries) is one line. Failures are ordinary
 * zod issues, so the edge answers `invalid_request` naming the field. Chain `.min()`, `.max()`,
 * `.trim()` on it as on any string.
 */
export function TextField(options: { readonly multiLine?: boolean } = {}): z.ZodString {
  const control = options.multiLine ? CONTROL_EXCEPT_TAB_NEWLINE : CONTROL;
  return z
    .string()
    .refine((s) => !control.test(s), options.multiLine ? 'control characters other than newline and tab are not allowed' : 'control characters and line breaks are not allowed')
    .refine((s) => !LONE_SURROGATE.test(s), 'the text is not valid Unicode (it has a lone surrogate)');
}

/** Whether a string would pass a one-line TextField, for text checked outside a schema (path segments). */
export function isSingleLineText(s: string): boolean {
  return !CONTROL.test(s) && !LONE_SURROGATE.test(s);
}
