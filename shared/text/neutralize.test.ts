import { describe, expect, it } from 'vitest';
import { FAKE_CONTINUATION, forbiddenIn, HOSTILE, HOSTILE_MESSAGES, HOSTILE_TOPIC, LEGIT } from '../../test/support/hostile-strings.js';
import { escapeForJson, neutralize, neutralizeLines, neutralizeQuote } from './neutralize.js';

describe('neutralize', () => {
  it.each(Object.entries(HOSTILE))('leaves no control, bidi or invisible character of %s raw', (_name, text) => {
    const out = neutralize(`${LEGIT.family} ${text} ${LEGIT.persian}`);
    expect(forbiddenIn(out)).toEqual([]);
    expect(out).not.toContain('\n');
    expect(out.startsWith(`${LEGIT.family} `)).toBe(true);
    expect(out.endsWith(` ${LEGIT.persian}`)).toBe(true);
  });

  it('shows escape sequences as caret forms, so the rest of the sequence is plain text', () => {
    expect(neutralize(HOSTILE.osc0Title)).toBe('title^[]0;PWNED-TITLE-0^Gset');
    expect(neutralize(HOSTILE.clearScreen)).toBe('before^[[2J^[[Hafter-clear');
    expect(neutralize(HOSTILE.overwrite)).toBe('honest^MFAKE^H^H^?');
  });

  it('shows C1, bidi, invisible and separator characters as ⟨U+XXXX⟩', () => {
    expect(neutralize(HOSTILE.c1)).toBe('c1⟨U+009B⟩2J⟨U+009D⟩0;C1-TITLE^G');
    expect(neutralize('a\u202eb\u2066c\u200bd\ufeffe\u2028f')).toBe('a⟨U+202E⟩b⟨U+2066⟩c⟨U+200B⟩d⟨U+FEFF⟩e⟨U+2028⟩f');
  });

  it('keeps ZWJ emoji sequences, Persian with ZWNJ, tabs and ordinary text unchanged', () => {
    for (const text of [LEGIT.family, LEGIT.persian, 'tab\there', 'ünïcödé 漢字 عربى']) expect(neutralize(text)).toBe(text);
  });

  it('shows tag characters, blank fillers, soft hyphens and stray variation selectors as ⟨U+XXXX⟩', () => {
    expect(neutralize(HOSTILE.tagSmuggling)).toBe('ok⟨U+E0001⟩⟨U+E0049⟩⟨U+E0067⟩⟨U+E006E⟩⟨U+E006F⟩⟨U+E0072⟩⟨U+E0065⟩⟨U+E007F⟩');
    expect(neutralize(HOSTILE.fillers)).toBe('a⟨U+3164⟩b⟨U+FFA0⟩c⟨U+2800⟩d⟨U+115F⟩⟨U+1160⟩e');
    expect(neutralize(HOSTILE.softJoiners)).toBe('soft⟨U+00AD⟩hy⟨U+034F⟩phen⟨U+180E⟩end');
    expect(neutralize(HOSTILE.variationSelectors)).toBe('vs⟨U+FE00⟩⟨U+FE0D⟩⟨U+E0100⟩⟨U+E01EF⟩x');
  });

  it('keeps subdivision flags, keycaps and emoji presentation selectors, and nothing posing as them', () => {
    for (const text of [LEGIT.flag, LEGIT.keycap, LEGIT.hearts, `${LEGIT.flag}${LEGIT.family}${LEGIT.flag}`]) expect(neutralize(text)).toBe(text);
    const tags = (s: string) => [...s].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    // Tags not after 🏴, not ended by the cancel tag, too many, or not letters and digits: hidden text.
    for (const text of [`a${tags('gbeng')}\u{E007F}`, `\u{1F3F4}${tags('gbeng')}`, `\u{1F3F4}${tags('ignore all')}\u{E007F}`, `\u{1F3F4}${tags('IGNORE')}\u{E007F}`]) {
      expect(forbiddenIn(neutralize(text))).toEqual([]);
      expect(neutralize(text)).toMatch(/⟨U\+E00/);
    }
  });

  it('shows a newline as ^J in one-line text, and keeps it in multi-line text', () => {
    expect(neutralize('a\nb')).toBe('a^Jb');
    expect(neutralize('a\nb\u001b', { multiline: true })).toBe('a\nb^[');
  });

  it('changes nothing twice', () => {
    for (const text of [...HOSTILE_MESSAGES, HOSTILE_TOPIC]) expect(neutralize(neutralize(text))).toBe(neutralize(text));
  });
});

describe('neutralizeLines', () => {
  it('splits a body at its newlines and neutralizes each line', () => {
    expect(neutralizeLines(FAKE_CONTINUATION)).toEqual(['hello', '2026-11-29 20:00  mallory: send me your password', '12:00 mallory: me too']);
    expect(neutralizeLines('one\r\ntwo\u2028three\u001b')).toEqual(['one', 'two⟨U+2028⟩three^[']);
    expect(neutralizeLines('')).toEqual(['']);
  });
});

describe('escapeForJson', () => {
  it('writes what JSON.stringify leaves raw as \\u escapes, giving back the same value', () => {
    for (const text of [...HOSTILE_MESSAGES, HOSTILE_TOPIC, FAKE_CONTINUATION]) {
      const json = escapeForJson(JSON.stringify({ text }));
      expect(forbiddenIn(json)).toEqual([]);
      expect((JSON.parse(json) as { text: string }).text).toBe(text);
    }
    expect(escapeForJson(JSON.stringify(LEGIT.family))).toBe(JSON.stringify(LEGIT.family));
    expect(escapeForJson(JSON.stringify(LEGIT.flag))).toBe(JSON.stringify(LEGIT.flag));
    expect(escapeForJson(JSON.stringify('a\u{E0041}'))).toBe('"a\\uDB40\\uDC41"');
  });
});

describe('neutralizeQuote', () => {
  it('joins the lines with a space, folds runs of spaces and tabs, and shows a bare CR as ^M', () => {
    expect(neutralizeQuote('pay bob\rpay eve\r\n  next\tline\n\u001b[31m')).toBe('pay bob^Mpay eve next line ^[[31m');
  });
});
