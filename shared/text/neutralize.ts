/**
 * The one boundary every surface (the CLI's output, the TUI, the web page) passes text through when
 * it came from a server or another user: names, topics, message bodies, device names, error messages.
 *
 * What it does to a string:
 * - C0 controls (ESC, BEL, CR, backspace…) become caret forms (`^[`, `^G`, `^M`) and DEL becomes `^?`.
 *   With ESC shown as `^[`, no escape sequence (CSI, OSC 0/2/8/52, DCS, APC, PM, SOS) is left for a
 *   terminal to act on: what follows it is plain text.
 * - C1 controls (U+0080–U+009F, among them the 8-bit CSI U+009B and OSC U+009D), the bidirectional
 *   controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), invisible characters (U+200B,
 *   U+2060–U+2064, U+FEFF, U+180E, U+206A–U+206F, U+FFF9–U+FFFB) and the line and paragraph
 *   separators U+2028 and U+2029 become a visible `⟨U+XXXX⟩`, so text cannot reorder what is shown
 *   around it, hide words, or break lines behind the reader's back.
 * - U+200C (ZWNJ) and U+200D (ZWJ) stay: emoji sequences and Persian and Indic scripts need them.
 * - Tabs stay. Newlines stay only in multi-line text (message bodies): see {@link neutralizeLines};
 *   elsewhere a newline is `^J`, so a one-line field stays one line.
 *
 * The result contains no character the function would change again (it is idempotent).
 */
export function neutralize(text: string, options: NeutralizeOptions = {}): string {
  const pattern = options.multiline ? UNSAFE_MULTILINE : UNSAFE;
  return text.replace(pattern, visible);
}

/** How {@link neutralize} treats newlines. */
export interface NeutralizeOptions {
  /** Keep `\n` (a message body); by default it becomes `^J` (names, topics, one-line fields). */
  readonly multiline?: boolean;
}

/**
 * A message body as neutralized lines: split at each newline (`\n` or `\r\n`), each line through
 * {@link neutralize}. Surfaces print the lines after the first indented under the text, so that no
 * line of a message can pose as another person's message. An empty body gives `['']`.
 */
export function neutralizeLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => neutralize(line));
}

/**
 * JSON text (as JSON.stringify writes it) with the characters {@link neutralize} would change, and
 * JSON.stringify leaves raw (C1 controls, bidi controls, invisible characters, U+2028/U+2029),
 * written as `\uXXXX` escapes instead: the same JSON value, but safe to print on a terminal.
 * Only valid inside JSON strings, which is the only place JSON.stringify puts such characters.
 */
export function escapeForJson(json: string): string {
  return json.replace(UNSAFE, (c) => `\\u${hex(c)}`);
}

/** The characters made visible; `\n` and `\t` are absent here, and `\n` is added for one-line text. */
const UNSAFE_CLASS = '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u180e\\u200b\\u200e\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb';
const UNSAFE = new RegExp(`[\\n${UNSAFE_CLASS}]`, 'g');
const UNSAFE_MULTILINE = new RegExp(`[${UNSAFE_CLASS}]`, 'g');

const hex = (c: string): string => c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return `^${String.fromCharCode(code + 64)}`;
  if (code === 0x7f) return '^?';
  return `⟨U+${hex(c)}⟩`;
}
