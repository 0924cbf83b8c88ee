// One set of hostile strings, used by every test of the neutralizing boundary: the neutralizer's unit
// test, the CLI's commands, the TUI in tmux and the web page. Each would, printed raw, do something to
// a terminal or a reader that the sender should not be able to do.

/** Strings that must reach the screen only as visible, inert text. */
export const HOSTILE = {
  /** OSC 0: sets the window and icon title (BEL-terminated). */
  osc0Title: 'title\u001b]0;PWNED-TITLE-0\u0007set',
  /** OSC 2: sets the window title (ST-terminated). */
  osc2Title: '\u001b]2;PWNED-TITLE-2\u001b\\st',
  /** CSI 2J and CSI H: clear the screen and home the cursor. */
  clearScreen: 'before\u001b[2J\u001b[Hafter-clear',
  /** OSC 8: a hyperlink whose text hides where it goes. */
  hyperlink: '\u001b]8;;https://evil.example/\u0007click-me\u001b]8;;\u0007',
  /** OSC 52: writes "pwned-clipboard" (base64) to the clipboard. */
  clipboard: '\u001b]52;c;cHduZWQtY2xpcGJvYXJk\u0007clip',
  /** DCS: a device control string (an XTGETTCAP request). */
  dcs: '\u001bP+q544e\u001b\\dcs',
  /** APC, PM and SOS strings. */
  apcPmSos: '\u001b_apc\u001b\\ \u001b^pm\u001b\\ \u001bXsos\u001b\\',
  /** 8-bit C1 controls: CSI U+009B and OSC U+009D. */
  c1: 'c1\u009b2J\u009d0;C1-TITLE\u0007',
  /** Bidi overrides, embeddings, isolates and marks: reorder what is shown. */
  bidi: 'invoice\u202egpj.exe\u202c \u202a\u202b\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c',
  /** Invisible characters: split or hide words. */
  invisible: 'zero\u200bwidth\u2060joiner\ufeffbom',
  /** Line and paragraph separators. */
  separators: 'line\u2028para\u2029end',
  /** Carriage return, backspace, DEL: overwrite what was printed. */
  overwrite: 'honest\rFAKE\b\b\u007f',
  /** Unicode tag characters: "Ignore" spelled in tags, hidden text an AI summarizer reads ("ASCII smuggling"). */
  tagSmuggling: 'ok\u{E0001}\u{E0049}\u{E0067}\u{E006E}\u{E006F}\u{E0072}\u{E0065}\u{E007F}',
  /** Blank fillers that look like nothing or a space: Hangul fillers, the braille blank. */
  fillers: 'a\u3164b\uffa0c\u2800d\u115f\u1160e',
  /** Invisible joiners and hyphens: soft hyphen, combining grapheme joiner, Mongolian vowel separator. */
  softJoiners: 'soft\u00adhy\u034fphen\u180eend',
  /** Variation selectors with no emoji to select: VS1, VS14 and two of the supplement. */
  variationSelectors: 'vs\ufe00\ufe0d\u{E0100}\u{E01EF}x',
  /** Rewrites a count printed on the line above (the `chat keys` attack). */
  rewriteCount: 'laptop\r\u001b[1A\u001b[2KYour devices with published keys: 1',
} as const;

/** A message whose second line poses as another person's message. */
export const FAKE_CONTINUATION = 'hello\n2026-11-29 20:00  mallory: send me your password\n12:00 mallory: me too';

/** Text that must survive unchanged: a ZWJ emoji sequence and Persian with a ZWNJ. */
export const LEGIT = {
  /** 👨‍👩‍👧: man, ZWJ, woman, ZWJ, girl. */
  family: '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}',
  /** "I want" in Persian: می + ZWNJ + خواهم. */
  persian: '\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645',
  /** 🏴󠁧󠁢󠁥󠁮󠁧󠁿: black flag, the tags g b e n g, cancel tag (England). */
  flag: '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}',
  /** 1️⃣: digit one, VS16, combining enclosing keycap. */
  keycap: '1\ufe0f\u20e3',
  /** ❤️ and ❤︎: a heart with emoji (VS16) and text (VS15) presentation. */
  hearts: '\u2764\ufe0f \u2764\ufe0e',
} as const;

/** Every hostile string, each with the legitimate text around it. */
export const HOSTILE_MESSAGES: readonly string[] = Object.values(HOSTILE).map((h) => `${LEGIT.family} ${h} ${LEGIT.persian}`);

/** A one-line room topic (at most 250 characters) carrying the worst of them. */
export const HOSTILE_TOPIC = [HOSTILE.osc0Title, HOSTILE.clearScreen, HOSTILE.hyperlink, HOSTILE.clipboard, HOSTILE.c1, HOSTILE.bidi, HOSTILE.invisible, LEGIT.family, LEGIT.persian].join(' ');

/**
 * Characters that must never reach a screen raw: C0 controls but newline and tab, DEL, C1 controls,
 * bidi controls, invisible characters (tags, fillers, soft hyphens, variation selectors other than
 * the emoji ones), line and paragraph separators. Written out here, apart from
 * the neutralizer, so the tests do not trust the code they test.
 */
// The class lists combining characters (U+034F, the variation selectors) to match each one alone.
export const FORBIDDEN =
  // eslint-disable-next-line no-misleading-character-class
  /[\u0000-\u0008\u000b-\u001f\u007f\u0080-\u009f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\u2800\u3164\ufe00-\ufe0d\ufeff\uffa0\u2028\u2029\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/u;

/** A subdivision flag (🏴 then two to seven tag letters or digits, then the cancel tag): its tags are allowed there only. */
const SUBDIVISION_FLAG = /\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,7}\u{E007F}/gu;

/** The forbidden characters found in `text` (outside subdivision flags), as U+XXXX, for a readable failure. */
export function forbiddenIn(text: string): string[] {
  return [...text.replace(SUBDIVISION_FLAG, '')].filter((c) => FORBIDDEN.test(c)).map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
}
