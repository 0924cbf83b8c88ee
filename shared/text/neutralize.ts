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
 *   U+2060–U+2064, U+FEFF, U+180E, U+206A–U+206F, U+FFF9–U+FFFB, the soft hyphen U+00AD, the
 *   combining grapheme joiner U+034F, U+17B4–U+17B5, U+1BCA0–U+1BCA3, U+1D173–U+1D17A), blank fillers
 *   (the Hangul fillers U+115F, U+1160, U+3164, U+FFA0 and the braille blank U+2800), the tag
 *   characters U+E0000–U+E007F (hidden text an AI summarizer would still read), the variation
 *   selectors VS1–VS14 (U+FE00–U+FE0D) and U+E0100–U+E01EF, the rest of U+E0000–U+E0FFF, and the
 *   line and paragraph separators U+2028 and U+2029 become a visible `⟨U+XXXX⟩`, so text cannot
 *   reorder what is shown around it, hide words, or break lines behind the reader's back.
 * - U+200C (ZWNJ) and U+200D (ZWJ) stay: emoji sequences and Persian and Indic scripts need them. So
 *   do VS15 and VS16 (U+FE0E, U+FE0F: text or emoji presentation, keycaps), and the tags of a
 *   subdivision flag: U+1F3F4, then two to seven tag letters or digits, then the cancel tag U+E007F
 *   (🏴󠁧󠁢󠁥󠁮󠁧󠁿 England, Scotland, Wales); tags anywhere else are shown.
 * - Tabs stay. Newlines stay only in multi-line text (message bodies): see {@link neutralizeLines};
 *   elsewhere a newline is `^J`, so a one-line field stays one line.
 *
 * The result contains no character the function would change again (it is idempotent).
 */
export function neutralize(text: string, options: NeutralizeOptions = {}): string {
  const pattern = options.multiline ? UNSAFE_MULTILINE : UNSAFE;
  return text.replace(pattern, (c) => (isFlag(c) ? c : visible(c)));
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
 * A message body as one neutralized line, for a reply's quote: its {@link neutralizeLines} joined
 * with a space, runs of spaces and tabs folded to one, trimmed. A bare CR shows as `^M`, as it does
 * in the message's own lines (it is no line break).
 */
export function neutralizeQuote(text: string): string {
  return neutralizeLines(text).join(' ').replace(/[ \t]+/g, ' ').trim();
}

/**
 * JSON text (as JSON.stringify writes it) with the characters {@link neutralize} would change, and
 * JSON.stringify leaves raw (C1 controls, bidi controls, invisible characters, U+2028/U+2029),
 * written as `\uXXXX` escapes instead: the same JSON value, but safe to print on a terminal.
 * Only valid inside JSON strings, which is the only place JSON.stringify puts such characters.
 */
export function escapeForJson(json: string): string {
  // An astral character is written as its two surrogate escapes, as JSON spells it.
  return json.replace(UNSAFE, (c) => (isFlag(c) ? c : Array.from({ length: c.length }, (_, i) => `\\u${hex(c.charCodeAt(i))}`).join('')));
}

/** The characters made visible; `\n` and `\t` are absent here, and `\n` is added for one-line text. */
const UNSAFE_CLASS =
  '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b\\u200e\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f' +
  '\\u2800\\u3164\\ufe00-\\ufe0d\\ufeff\\uffa0\\ufff9-\\ufffb\\u{1bca0}-\\u{1bca3}\\u{1d173}-\\u{1d17a}\\u{e0000}-\\u{e0fff}';
/** A subdivision flag, matched before its tags so that they are kept. */
const SUBDIVISION_FLAG = '\\u{1f3f4}[\\u{e0030}-\\u{e0039}\\u{e0061}-\\u{e007a}]{2,7}\\u{e007f}';
/** Whether a match is a whole subdivision flag (the only match that starts with U+1F3F4), kept as it is. */
const isFlag = (match: string): boolean => match.codePointAt(0) === 0x1f3f4;
// The class lists combining characters (U+034F, the variation selectors) to match each one alone.
// eslint-disable-next-line no-misleading-character-class
const UNSAFE = new RegExp(`${SUBDIVISION_FLAG}|[\\n${UNSAFE_CLASS}]`, 'gu');
// eslint-disable-next-line no-misleading-character-class
const UNSAFE_MULTILINE = new RegExp(`${SUBDIVISION_FLAG}|[${UNSAFE_CLASS}]`, 'gu');

const hex = (code: number): string => code.toString(16).toUpperCase().padStart(4, '0');

function visible(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20) return `^${String.fromCharCode(code + 64)}`;
  if (code === 0x7f) return '^?';
  return `⟨U+${hex(code)}⟩`;
}
