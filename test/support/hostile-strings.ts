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
} as const;

/** Every hostile string, each with the legitimate text around it. */
export const HOSTILE_MESSAGES: readonly string[] = Object.values(HOSTILE).map((h) => `${LEGIT.family} ${h} ${LEGIT.persian}`);

/** A one-line room topic (at most 250 characters) carrying the worst of them. */
export const HOSTILE_TOPIC = [HOSTILE.osc0Title, HOSTILE.clearScreen, HOSTILE.hyperlink, HOSTILE.clipboard, HOSTILE.c1, HOSTILE.bidi, HOSTILE.invisible, LEGIT.family, LEGIT.persian].join(' ');

/**
 * Characters that must never reach a screen raw: C0 controls but newline and tab, DEL, C1 controls,
 * bidi controls, invisible characters, line and paragraph separators. Written out here, apart from
 * the neutralizer, so the tests do not trust the code they test.
 */
export const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f\u0080-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\u2028\u2029]/u;

/** The forbidden characters found in `text`, as U+XXXX, for a readable failure. */
export function forbiddenIn(text: string): string[] {
  return [...text].filter((c) => FORBIDDEN.test(c)).map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
}
