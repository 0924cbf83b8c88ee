/**
 * The keypress tokenizer: the bytes a terminal sends in raw mode, split into keys.
 *
 * A terminal hands over whatever arrived since the last read, so one chunk may hold many keys (a
 * held Backspace, typing over SSH, a busy moment): `\x7f\x7f\x7f`, or `\x0bplans\r`. Each is its own
 * key here. Escape sequences (CSI and SS3, with xterm's modifier parameters, and ESC before a key for
 * Alt, for the keys the TUI binds with Alt; before any other key it is Escape, see `ALT_KEYS`) and
 * UTF-8 sequences are kept whole, even when a chunk ends in the middle of one. Only the text
 * between the bracketed-paste markers (`ESC[200~` … `ESC[201~`, xterm's "bracketed paste mode") is a
 * paste; it comes out as one key with its escape sequences and control characters removed.
 *
 * A paste may itself hold the end marker: some terminals strip it from what they paste (kitty, recent
 * xterm), but tmux's `paste-buffer -p` and others pass it through, so a clipboard holding
 * `ESC[201~` + "rm -rf ~" + CR would end the paste early and "type" the rest, Enter included. So what
 * follows an end marker without a pause (the rest of its chunk, and chunks that come before the
 * tokenizer is flushed, see {@link KeyTokenizer.flush}) is still pasted text: an Enter in it is a line
 * break, never a send, and another `ESC[200~` goes on with the paste. Nothing a paste holds acts
 * before the user presses a key of their own.
 *
 * Sources: ECMA-48 (CSI, SS3, OSC syntax), xterm's ctlseqs ("PC-Style Function Keys", modifier codes
 * 1 + Shift 1 + Alt 2 + Ctrl 4; "Bracketed Paste Mode"; "SGR mouse"; "FocusIn/FocusOut").
 */

/** The names of the keys that are not text. */
export type KeyName =
  | 'return'
  | 'linefeed'
  | 'tab'
  | 'backspace'
  | 'delete'
  | 'escape'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | 'insert'
  | 'space'
  | `f${number}`
  /** A letter, digit or sign pressed with Ctrl or Alt (`ctrl`/`meta` say which): `a`, `k`, `\`. */
  | (string & {});

/** One key press, one paste, or one report the terminal sent about itself. */
export type Key =
  /** Printable characters typed one after another (a run of them is one key: they edit alike). */
  | { readonly kind: 'text'; readonly text: string }
  /** What was pasted, as neutral text: line breaks as `\n`, tabs kept, every other control removed. */
  | { readonly kind: 'paste'; readonly text: string }
  | {
      readonly kind: 'key';
      readonly name: KeyName;
      readonly ctrl: boolean;
      readonly meta: boolean;
      readonly shift: boolean;
      /** The bytes it came as. */
      readonly sequence: string;
    }
  /** The terminal gained or lost focus (focus reporting, `ESC[?1004h`). */
  | { readonly kind: 'focus'; readonly focused: boolean }
  /** An SGR mouse report (`ESC[<b;x;yM`): button code, 1-based cell, and whether it is a release. */
  | { readonly kind: 'mouse'; readonly button: number; readonly x: number; readonly y: number; readonly release: boolean };

/** A named key press with the modifiers unset unless given. */
export const keyPress = (name: KeyName, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean } = {}, sequence = ''): Key => ({
  kind: 'key',
  name,
  ctrl: mods.ctrl ?? false,
  meta: mods.meta ?? false,
  shift: mods.shift ?? false,
  sequence,
});

/** Whether a key is the named one with exactly these modifiers (absent ones must be off). */
export function isKey(key: Key, name: KeyName, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean } = {}): boolean {
  return key.kind === 'key' && key.name === name && key.ctrl === (mods.ctrl ?? false) && key.meta === (mods.meta ?? false) && (mods.shift === undefined || key.shift === mods.shift);
}

const ESC = '\u001b';
const PASTE_START = `${ESC}[200~`;
/** The marker a terminal sends at the end of a bracketed paste. */
export const PASTE_END = `${ESC}[201~`;

/** What is held back at the end of a chunk, waiting for the rest. */
export type Pending = 'none' | 'escape' | 'paste' | 'paste-tail';

/** A tokenizer for one input stream: it keeps what an unfinished sequence left between chunks. */
export interface KeyTokenizer {
  /** The keys that the chunk completes (with what earlier chunks left). */
  feed(chunk: string | Uint8Array): Key[];
  /**
   * What is held back, ended now: a lone ESC is the Escape key, an unfinished sequence is dropped,
   * an unfinished paste is the paste so far, and the input after a paste's end stops counting as
   * pasted. Call it when no more input came for a moment.
   */
  flush(): Key[];
  /**
   * What is held back: an ESC that may start a sequence, a paste whose end marker has not come, or
   * (`paste-tail`) a paste just ended, whose end may have been part of the pasted text.
   */
  pending(): Pending;
}

/** A new tokenizer (one per input stream: it keeps state between chunks). */
export function createKeyTokenizer(): KeyTokenizer {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let paste: string | null = null;
  // A paste ended and no flush came since: what comes now is taken as more of the paste.
  let tail = false;

  const run = (final: boolean): Key[] => {
    const keys: Key[] = [];
    let i = 0;
    let text = '';
    const push = (key: Key) => {
      if (text) keys.push({ kind: 'text', text });
      text = '';
      keys.push(key);
    };
    while (i < rest.length) {
      if (paste !== null) {
        const end = rest.indexOf(PASTE_END, i);
        if (end < 0) {
          // Keep a tail that may be the start of the end marker; the rest is paste.
          const keep = partialSuffix(rest, PASTE_END);
          paste += rest.slice(i, rest.length - keep);
          i = rest.length - keep;
          break;
        }
        paste += rest.slice(i, end);
        push({ kind: 'paste', text: neutralPaste(paste) });
        paste = null;
        tail = true;
        i = end + PASTE_END.length;
        continue;
      }
      if (tail) {
        // Right after a paste: text, Enter, any key here came with the paste. A start marker goes on with it.
        const start = rest.indexOf(PASTE_START, i);
        // Hold back what may be the start of a marker or an escape sequence (an OSC title) the next chunk finishes.
        const stop = start >= 0 ? start : final ? rest.length : Math.min(rest.length - Math.max(partialSuffix(rest, PASTE_START), partialSuffix(rest, PASTE_END)), unfinishedEscape(rest, i));
        const more = neutralPaste(rest.slice(i, stop).split(PASTE_END).join(''));
        if (more) push({ kind: 'paste', text: more });
        i = stop;
        if (start < 0) break;
        paste = '';
        i = start + PASTE_START.length;
        continue;
      }
      const c = rest[i] as string;
      const code = c.charCodeAt(0);
      if (c === ESC) {
        const parsed = parseEscape(rest, i, final);
        if (parsed === 'incomplete') {
          if (!final) break;
          // Nothing more came: a lone ESC is the Escape key; an unfinished sequence is dropped.
          if (i === rest.length - 1) push(keyPress('escape', {}, ESC));
          i = rest.length;
          break;
        }
        i = parsed.end;
        if (parsed.key === 'paste-start') paste = '';
        else if (parsed.key) push(parsed.key);
        continue;
      }
      if (code < 0x20 || code === 0x7f) {
        push(controlKey(c));
        i += 1;
        continue;
      }
      if (code >= 0x80 && code <= 0x9f) {
        i += 1; // a C1 control typed as a character: nothing to insert
        continue;
      }
      // A lone high surrogate at the end waits for its pair.
      if (code >= 0xd800 && code <= 0xdbff && i === rest.length - 1 && !final) break;
      text += c;
      i += 1;
    }
    if (final && paste !== null) {
      push({ kind: 'paste', text: neutralPaste(paste + rest.slice(i)) });
      paste = null;
      i = rest.length;
    }
    if (text) keys.push({ kind: 'text', text });
    rest = rest.slice(i);
    return keys;
  };

  return {
    feed(chunk) {
      rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      return run(false);
    },
    flush() {
      rest += decoder.decode();
      const keys = run(true);
      tail = false;
      return keys;
    },
    pending() {
      if (paste !== null) return 'paste';
      if (tail) return 'paste-tail';
      return rest.length > 0 ? 'escape' : 'none';
    },
  };
}

/** The key a C0 control byte or DEL is. */
function controlKey(c: string): Key {
  const code = c.charCodeAt(0);
  switch (code) {
    case 0x0d:
      return keyPress('return', {}, c);
    case 0x0a:
      return keyPress('linefeed', {}, c);
    case 0x09:
      return keyPress('tab', {}, c);
    case 0x7f:
    case 0x08:
      return keyPress('backspace', {}, c);
    case 0x00:
      return keyPress('space', { ctrl: true }, c);
    default:
      // 0x01–0x1a are Ctrl+A…Ctrl+Z; 0x1c–0x1f are Ctrl+\ ] ^ _.
      return keyPress(String.fromCharCode(code + 0x60).replace('|', '\\').replace('}', ']').replace('~', '^').replace('\u007f', '_'), { ctrl: true }, c);
  }
}

type Parsed = { readonly end: number; readonly key: Key | 'paste-start' | null };

/** ESC alone: the Escape key, and what follows it is read on its own. */
const escapeAlone = (at: number): Parsed => ({ end: at + 1, key: keyPress('escape', {}, ESC) });

/**
 * Parses the escape sequence at `at` (which holds ESC): the key it is, null for one to ignore, or
 * 'incomplete' when the end of `s` may cut it short. With `final` (no more input is coming), SS3 and
 * control strings are never incomplete: what came is all there is.
 *
 * What ESC and the character after it are (the rule; a terminal sends Esc and what is typed after it
 * in one chunk, so every one of these is also something a person may type):
 * - `[`: a CSI when parameter bytes (0x30–0x3F), then intermediate bytes (0x20–0x2F), then a final
 *   byte (0x40–0x7E) follow, in that order; any other character in their place means it is not one,
 *   and ESC is the Escape key and `[` and the rest are text. A limit: Esc then "[x] done" is the
 *   well-formed CSI `ESC [ x`, dropped as a sequence nobody binds, and "] done" is what is left.
 * - `O`: an SS3 key when one of the final bytes of `LETTER_KEYS` (A B C D E F H P Q R S) follows; any
 *   other character means the Escape key, then "O" and the rest (Esc then "OK thanks" stays). A
 *   limit: Esc then "OH" is the Home key, as a terminal sends it.
 * - `P`, `X`, `]`, `^`, `_`: a control string (DCS, SOS, OSC, PM, APC), which only a terminal sends,
 *   in answer to a query, when printable ASCII (0x20–0x7E) runs to BEL or ESC `\` in what has come;
 *   it is dropped whole. The TUI asks the terminal for no such report, so anything else (a control
 *   such as Enter first, non-ASCII text, an ESC that is not ESC `\`, or the end of what came) makes it
 *   typed text: the Escape key, then the character and the rest. Only an ESC at the very end of what
 *   came waits for the next chunk (it may be the first half of ESC `\`).
 * - ESC: Alt with the key that follows (ESC ESC [ A is Alt+↑), or Alt+Escape.
 * - anything else: see `ALT_KEYS`.
 */
function parseEscape(s: string, at: number, final: boolean): Parsed | 'incomplete' {
  const next = s[at + 1];
  if (next === undefined) return final ? escapeAlone(at) : 'incomplete';
  if (next === '[') return parseCsi(s, at, at + 2, false);
  if (next === 'O') return parseSs3(s, at, at + 2, false, final);
  if (next === ']' || next === 'P' || next === '_' || next === '^' || next === 'X') return skipString(s, at, final);
  if (next === ESC) {
    // ESC ESC [ A and the like: Alt with a key that is itself a sequence; ESC ESC alone is Alt+Escape.
    const third = s[at + 2];
    if (third === undefined) return final ? { end: at + 2, key: keyPress('escape', { meta: true }, ESC + ESC) } : 'incomplete';
    if (third === '[') return parseCsi(s, at, at + 3, true);
    if (third === 'O') return parseSs3(s, at, at + 3, true, final);
    return { end: at + 2, key: keyPress('escape', { meta: true }, ESC + ESC) };
  }
  // ESC then one key: Alt held with it, when it is a key bound with Alt; else the Escape key, and the
  // key after it is read on its own (see ALT_KEYS).
  const cp = s.codePointAt(at + 1) ?? 0;
  const ch = String.fromCodePoint(cp);
  const end = at + 1 + ch.length;
  const plain = cp < 0x20 || cp === 0x7f ? controlKey(ch) : null;
  const alt = plain === null ? keyPress(ch.toLowerCase(), { meta: true, shift: ch.toLowerCase() !== ch }, ESC + ch) : plain.kind === 'key' ? { ...plain, meta: true, sequence: ESC + ch } : null;
  if (alt === null || alt.kind !== 'key' || alt.ctrl || !ALT_KEYS.has(alt.name)) return escapeAlone(at);
  return { end, key: alt };
}

/**
 * The keys the TUI binds with Alt that a terminal sends as ESC and then the key: the composer's Alt+B,
 * Alt+F, Alt+D (Shift or not), Alt+Backspace and Alt+Enter (components/composer.tsx). ESC before any
 * other key is the Escape key and then that key: a terminal sends Esc and what is typed right after it
 * (over SSH, through tmux, in a busy moment) in one chunk, exactly as it sends Alt with that key, and a
 * key taken as an Alt+key nobody binds would be lost: Esc then "/kick bob" would send "kick bob" to
 * the room. A new Alt binding of this kind belongs here as well, or it never arrives.
 */
const ALT_KEYS: ReadonlySet<KeyName> = new Set(['b', 'f', 'd', 'backspace', 'return']);

/**
 * ESC, the character at `at + 1` (P X ] ^ _), then a control string: dropped whole when printable ASCII
 * runs to BEL or ESC \ (a terminal's answer); otherwise the Escape key alone (see {@link parseEscape}).
 */
function skipString(s: string, at: number, final: boolean): Parsed | 'incomplete' {
  for (let i = at + 2; i < s.length; i++) {
    const b = s.charCodeAt(i);
    if (b === 0x07) return { end: i + 1, key: null };
    if (s[i] === ESC) {
      if (s[i + 1] === '\\') return { end: i + 2, key: null };
      return s[i + 1] === undefined && !final ? 'incomplete' : escapeAlone(at);
    }
    if (b < 0x20 || b > 0x7e) return escapeAlone(at);
  }
  return escapeAlone(at);
}

/** An SS3 key from `from` (just past `ESC O`): one of `LETTER_KEYS`' final bytes, or ESC is Escape alone. */
function parseSs3(s: string, at: number, from: number, alt: boolean, final: boolean): Parsed | 'incomplete' {
  const byte = s[from];
  if (byte === undefined) return final ? escapeAlone(at) : 'incomplete';
  const name = LETTER_KEYS[byte];
  return name ? { end: from + 1, key: keyPress(name, { meta: alt }, `${ESC}O${byte}`) } : escapeAlone(at);
}

const TILDE_KEYS: Readonly<Record<number, KeyName>> = {
  1: 'home', 2: 'insert', 3: 'delete', 4: 'end', 5: 'pageup', 6: 'pagedown', 7: 'home', 8: 'end',
  11: 'f1', 12: 'f2', 13: 'f3', 14: 'f4', 15: 'f5', 17: 'f6', 18: 'f7', 19: 'f8', 20: 'f9', 21: 'f10', 23: 'f11', 24: 'f12',
};
const LETTER_KEYS: Readonly<Record<string, KeyName>> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', E: 'begin', P: 'f1', Q: 'f2', R: 'f3', S: 'f4' };

/** xterm's modifier parameter (1 + Shift 1 + Alt 2 + Ctrl 4 + Meta 8) as flags. */
function modifiers(param: number | undefined, alt: boolean) {
  const m = Math.max(0, (param ?? 1) - 1);
  return { shift: (m & 1) !== 0, meta: alt || (m & 2) !== 0 || (m & 8) !== 0, ctrl: (m & 4) !== 0 };
}

/** A CSI sequence from `from` (just past `ESC[`): parameters, intermediates, then one final byte. */
function parseCsi(s: string, at: number, from: number, alt: boolean): Parsed | 'incomplete' {
  let i = from;
  // The Linux console's F1–F5 are ESC[[A … ESC[[E.
  if (s[i] === '[') {
    const final = s[i + 1];
    if (final === undefined) return 'incomplete';
    const f = 'ABCDE'.indexOf(final);
    return { end: i + 2, key: f >= 0 ? keyPress(`f${f + 1}`, { meta: alt }, s.slice(at, i + 2)) : null };
  }
  // Parameter bytes, then intermediate bytes (ECMA-48 5.4), then the final byte.
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x3f) i += 1;
  while (i < s.length && s.charCodeAt(i) >= 0x20 && s.charCodeAt(i) <= 0x2f) i += 1;
  const final = s[i];
  if (final === undefined) return 'incomplete';
  const b = final.charCodeAt(0);
  const sequence = s.slice(at, i + 1);
  const end = i + 1;
  // Not a final byte: not a CSI, so typed text; ESC is the Escape key and `[` and the rest are text.
  if (b < 0x40 || b > 0x7e) return escapeAlone(at);
  const body = s.slice(from, i);
  if (body === '200' && final === '~') return { end, key: 'paste-start' };
  if (body === '' && (final === 'I' || final === 'O')) return { end, key: { kind: 'focus', focused: final === 'I' } };
  if (body.startsWith('<') && (final === 'M' || final === 'm')) {
    const [button = 0, x = 0, y = 0] = body.slice(1).split(';').map(Number);
    return { end, key: { kind: 'mouse', button, x, y, release: final === 'm' } };
  }
  if (!/^[\d;:]*$/.test(body)) return { end, key: null };
  const params = body.split(';').map((p) => (p === '' ? undefined : Number(p.split(':')[0])));
  if (final === '~') {
    const name = TILDE_KEYS[params[0] ?? 0];
    return { end, key: name ? keyPress(name, modifiers(params[1], alt), sequence) : null };
  }
  if (final === 'Z') return { end, key: keyPress('tab', { shift: true, meta: alt }, sequence) };
  if (final === 'u') return { end, key: csiUKey(params[0] ?? 0, modifiers(params[1], alt), sequence) };
  const name = LETTER_KEYS[final];
  return { end, key: name ? keyPress(name, modifiers(params[1], alt), sequence) : null };
}

/** A key in the `CSI code ; modifiers u` form (fixterms, kitty): code is the key's code point. */
function csiUKey(code: number, mods: { shift: boolean; meta: boolean; ctrl: boolean }, sequence: string): Key | null {
  if (code === 13) return keyPress('return', mods, sequence);
  if (code === 9) return keyPress('tab', mods, sequence);
  if (code === 127 || code === 8) return keyPress('backspace', mods, sequence);
  if (code === 27) return keyPress('escape', mods, sequence);
  if (code < 0x20 || code > 0x10ffff) return null;
  const ch = String.fromCodePoint(code);
  if (!mods.ctrl && !mods.meta) return { kind: 'text', text: mods.shift ? ch.toUpperCase() : ch };
  return keyPress(ch.toLowerCase(), mods, sequence);
}

/** How long a tail of `s` is a proper start of `marker`. */
/**
 * Where an escape sequence that the end of `s` leaves unfinished starts (at or after `from`), or
 * `s.length`; for text after a paste, which is pasted text whatever it holds: a control string whose
 * printable ASCII runs to the end of `s` may be ended by the next chunk, so it counts as unfinished here.
 */
function unfinishedEscape(s: string, from: number): number {
  for (let at = s.indexOf(ESC, from); at >= 0; ) {
    if (']P_^X'.includes(s[at + 1] ?? '.') && /^[\x20-\x7e]*$/.test(s.slice(at + 2))) return at;
    const parsed = parseEscape(s, at, false);
    if (parsed === 'incomplete') return at;
    at = s.indexOf(ESC, parsed.end);
  }
  return s.length;
}

function partialSuffix(s: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, s.length); n > 0; n--) if (marker.startsWith(s.slice(s.length - n))) return n;
  return 0;
}

/**
 * Pasted text made neutral: nothing in a paste is a key. Complete escape sequences go whole (a CSI:
 * parameter, intermediate and final bytes in order; a control string after ESC P X ] ^ _ of printable
 * ASCII ended by BEL or ESC \, as {@link parseEscape} reads them; ESC O before an SS3 key's final
 * byte); any other ESC goes alone and the text after it stays, as typed. CR LF and CR become LF,
 * tabs stay, and every other C0 or C1 control and DEL goes. A paste can hold anything a clipboard held
 * (colour codes from a terminal, a stray Ctrl+C); none of it acts.
 */
export function neutralPaste(raw: string): string {
  return raw
    .replace(/\u001b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]/g, '')
    .replace(/\u001b[\]P_^X][\x20-\x7e]*?(?:\u0007|\u001b\\)/g, '')
    .replace(/\u001bO[ABCDEFHPQRS]/g, '')
    .replace(/\u001b/g, '')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/** The bracketed-paste markers a terminal puts around a paste once `ESC[?2004h` turned the mode on. */
export const BRACKETED_PASTE = { start: PASTE_START, end: PASTE_END } as const;
