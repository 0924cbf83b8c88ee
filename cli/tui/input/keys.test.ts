import { describe, expect, it } from 'vitest';
import type { Key } from './keys.js';
import { createKeyTokenizer, keyPress, neutralPaste } from './keys.js';

/** Every key the chunks make, fed in order, with what is left flushed at the end. */
function keysOf(...chunks: (string | Uint8Array)[]): Key[] {
  const t = createKeyTokenizer();
  return [...chunks.flatMap((c) => t.feed(c)), ...t.flush()];
}
const text = (t: string): Key => ({ kind: 'text', text: t });
const ctrl = (name: string, sequence: string) => keyPress(name, { ctrl: true }, sequence);

describe('createKeyTokenizer', () => {
  it('splits three quick Backspaces into three keys', () => {
    expect(keysOf('\u007f\u007f\u007f')).toEqual([keyPress('backspace', {}, '\u007f'), keyPress('backspace', {}, '\u007f'), keyPress('backspace', {}, '\u007f')]);
  });

  it('splits Ctrl+K, a word and Enter that came in one chunk', () => {
    expect(keysOf('\u000bplans\r')).toEqual([ctrl('k', '\u000b'), text('plans'), keyPress('return', {}, '\r')]);
  });

  it('makes 60 quick "text + Enter" 60 texts and 60 Enters', () => {
    const keys = keysOf(Array.from({ length: 60 }, (_, i) => `message ${i}\r`).join(''));
    expect(keys.filter((k) => k.kind === 'text').map((k) => (k as { text: string }).text)).toEqual(Array.from({ length: 60 }, (_, i) => `message ${i}`));
    expect(keys.filter((k) => k.kind === 'key' && k.name === 'return')).toHaveLength(60);
    expect(keys).toHaveLength(120);
  });

  it('keeps each control byte a key of its own: Ctrl+W, Ctrl+A, Ctrl+U, Tab, Ctrl+J, Ctrl+H, Ctrl+\\', () => {
    expect(keysOf('a\u0017b\u0001c\u0015\t\n\b\u001c')).toEqual([
      text('a'), ctrl('w', '\u0017'), text('b'), ctrl('a', '\u0001'), text('c'), ctrl('u', '\u0015'),
      keyPress('tab', {}, '\t'), keyPress('linefeed', {}, '\n'), keyPress('backspace', {}, '\b'), ctrl('\\', '\u001c'),
    ]);
  });

  it('reads CSI and SS3 keys with their xterm modifiers', () => {
    expect(keysOf('\u001b[A\u001bOB\u001b[1;5C\u001b[1;3D\u001b[H\u001b[F\u001b[3~\u001b[5~\u001b[6;2~\u001b[Z\u001b[1~\u001b[4~\u001b[12~')).toEqual([
      keyPress('up', {}, '\u001b[A'),
      keyPress('down', {}, '\u001bOB'),
      keyPress('right', { ctrl: true }, '\u001b[1;5C'),
      keyPress('left', { meta: true }, '\u001b[1;3D'),
      keyPress('home', {}, '\u001b[H'),
      keyPress('end', {}, '\u001b[F'),
      keyPress('delete', {}, '\u001b[3~'),
      keyPress('pageup', {}, '\u001b[5~'),
      keyPress('pagedown', { shift: true }, '\u001b[6;2~'),
      keyPress('tab', { shift: true }, '\u001b[Z'),
      keyPress('home', {}, '\u001b[1~'),
      keyPress('end', {}, '\u001b[4~'),
      keyPress('f2', {}, '\u001b[12~'),
    ]);
  });

  it('reads ESC before a key as Alt: Alt+B, Alt+F, Alt+D, Alt+Enter, Alt+Backspace, Alt+↑', () => {
    expect(keysOf('\u001bb\u001bf\u001bd\u001b\r\u001b\u007f\u001b\u001b[A')).toEqual([
      keyPress('b', { meta: true }, '\u001bb'),
      keyPress('f', { meta: true }, '\u001bf'),
      keyPress('d', { meta: true }, '\u001bd'),
      keyPress('return', { meta: true }, '\u001b\r'),
      keyPress('backspace', { meta: true }, '\u001b\u007f'),
      keyPress('up', { meta: true }, '\u001b\u001b[A'),
    ]);
  });

  // Over SSH or tmux, Esc and the keys typed right after it arrive in one chunk, just as Alt+key does.
  // Only the keys the TUI binds with Alt are read as Alt; ESC before any other key is Escape, then that key.
  it('reads ESC before a key the TUI does not bind with Alt as Escape and then the key: "/kick bob" stays a command', () => {
    const esc = keyPress('escape', {}, '\u001b');
    expect(keysOf('\u001b/kick bob\r')).toEqual([esc, text('/kick bob'), keyPress('return', {}, '\r')]);
    expect(keysOf('\u001b/', 'search x')).toEqual([esc, text('/'), text('search x')]);
    expect(keysOf('\u001bY\u001b1\u001b \u001bé\u001b😀')).toEqual([esc, text('Y'), esc, text('1'), esc, text(' '), esc, text('é'), esc, text('😀')]);
    // Controls too: Esc then Ctrl+K, Tab or Ctrl+J is not a key nobody binds.
    expect(keysOf('\u001b\u000b\u001b\t\u001b\n')).toEqual([esc, ctrl('k', '\u000b'), esc, keyPress('tab', {}, '\t'), esc, keyPress('linefeed', {}, '\n')]);
    // Shift does not make B another key: Alt+Shift+B is still the composer's Alt+B.
    expect(keysOf('\u001bB')).toEqual([keyPress('b', { meta: true, shift: true }, '\u001bB')]);
  });

  // ESC P, X, ], ^ and _ start a terminal's control string (DCS, SOS, OSC, PM, APC), which the parser
  // skipped to its terminator: Esc then "Please…" in one burst lost all the rest of the burst.
  it('reads ESC before P X ] ^ _ as Escape and the text, unless a control string ends (BEL or ESC \\) in what came', () => {
    const esc = keyPress('escape', {}, '\u001b');
    expect(keysOf('\u001bPlease reply\r')).toEqual([esc, text('Please reply'), keyPress('return', {}, '\r')]);
    for (const c of [']', 'X', '^', '_', 'P']) expect(keysOf(`\u001b${c} rest of it`)).toEqual([esc, text(`${c} rest of it`)]);
    // A control in it (Enter), non-ASCII text, or an ESC that is not ESC \\ first: not a terminal's string.
    expect(keysOf('\u001b]ok\rthen\u0007x')).toEqual([esc, text(']ok'), keyPress('return', {}, '\r'), text('then'), ctrl('g', '\u0007'), text('x')]);
    expect(keysOf('\u001bXé\u0007')).toEqual([esc, text('Xé'), ctrl('g', '\u0007')]);
    expect(keysOf('\u001b_a\u001b/b')).toEqual([esc, text('_a'), esc, text('/b')]);
    // Esc and the character as the last of a burst, then a pause.
    expect(keysOf('\u001b]')).toEqual([esc, text(']')]);
    // An ESC at the end of what came may be the first half of ESC \\: it waits, and is Escape if nothing came.
    expect(keysOf('\u001bPlease\u001b')).toEqual([esc, text('Please'), esc]);
    expect(keysOf('\u001bPabc\u001b', '\\x')).toEqual([text('x')]);
    // Properly ended strings are still dropped whole, as a terminal's answer.
    expect(keysOf('\u001b]11;rgb:0/0/0\u0007a\u001bP1$r0m\u001b\\b\u001b_Gi=1;OK\u001b\\c')).toEqual([text('abc')]);
  });

  it('reads ESC O as SS3 only before a final byte it knows; else Escape, "O" and the rest: "OK thanks" stays', () => {
    const esc = keyPress('escape', {}, '\u001b');
    expect(keysOf('\u001bOK thanks')).toEqual([esc, text('OK thanks')]);
    expect(keysOf('\u001bOk')).toEqual([esc, text('Ok')]);
    expect(keysOf('\u001bO')).toEqual([esc, text('O')]);
    expect(keysOf('\u001b\u001bOK')).toEqual([esc, esc, text('OK')]);
    expect(keysOf('\u001bOA\u001bOP\u001b\u001bOD')).toEqual([keyPress('up', {}, '\u001bOA'), keyPress('f1', {}, '\u001bOP'), keyPress('left', { meta: true }, '\u001bOD')]);
  });

  // ESC [ x is a well-formed CSI (x is a final byte), so Esc then "[x] done" still loses "[x" (a limit);
  // what cannot be a CSI is Escape and the text.
  it('reads ESC [ as CSI only when parameters, intermediates and a final byte follow in that order', () => {
    const esc = keyPress('escape', {}, '\u001b');
    expect(keysOf('\u001b[x] done')).toEqual([text('] done')]);
    expect(keysOf('\u001b[1, 2]')).toEqual([esc, text('[1, 2]')]);
    expect(keysOf('\u001b[é')).toEqual([esc, text('[é')]);
    expect(keysOf('\u001b[1\r')).toEqual([esc, text('[1'), keyPress('return', {}, '\r')]);
  });

  it('keeps Alt+B, Alt+F, Alt+D for ESC then b, f, d in a burst (a known limit: Esc then "bob" is Alt+B, "ob")', () => {
    expect(keysOf('\u001bbob')).toEqual([keyPress('b', { meta: true }, '\u001bb'), text('ob')]);
  });

  it('keeps an escape sequence whole when a chunk ends inside it', () => {
    const t = createKeyTokenizer();
    expect(t.feed('ab\u001b')).toEqual([text('ab')]);
    expect(t.pending()).toBe('escape');
    expect(t.feed('[1;')).toEqual([]);
    expect(t.feed('5D\u001b')).toEqual([keyPress('left', { ctrl: true }, '\u001b[1;5D')]);
    expect(t.feed('O')).toEqual([]);
    expect(t.feed('A')).toEqual([keyPress('up', {}, '\u001bOA')]);
    expect(t.pending()).toBe('none');
  });

  it('takes a lone ESC as the Escape key only once no more input came', () => {
    const t = createKeyTokenizer();
    expect(t.feed('\u001b')).toEqual([]);
    expect(t.flush()).toEqual([keyPress('escape', {}, '\u001b')]);
    expect(t.feed('x')).toEqual([text('x')]);
  });

  it('keeps a UTF-8 sequence whole when a chunk of bytes ends inside it', () => {
    const bytes = new TextEncoder().encode('é👍🏽');
    expect(keysOf(bytes.slice(0, 1), bytes.slice(1, 3), bytes.slice(3, 7), bytes.slice(7))).toEqual([text('é'), text('👍'), text('🏽')]);
    const t = createKeyTokenizer();
    expect([...t.feed(bytes.slice(0, 5)), ...t.feed(bytes.slice(5))].map((k) => (k as { text: string }).text).join('')).toBe('é👍🏽');
  });

  it('reads focus reports and SGR mouse reports, and drops other sequences', () => {
    expect(keysOf('\u001b[I\u001b[O\u001b[<64;10;5M\u001b[<0;1;2m\u001b[?62c\u001b]11;rgb:0/0/0\u0007x')).toEqual([
      { kind: 'focus', focused: true },
      { kind: 'focus', focused: false },
      { kind: 'mouse', button: 64, x: 10, y: 5, release: false },
      { kind: 'mouse', button: 0, x: 1, y: 2, release: true },
      text('x'),
    ]);
  });

  it('makes a bracketed paste one key, its control characters and escape sequences removed', () => {
    expect(keysOf('a\u001b[200~one\r\ntwo\rthree\u007f\u0003\u000b\u001b[31mred\u001b[0m\u001b]8;;http://x\u0007link\ttab\u001b[201~\r')).toEqual([
      text('a'),
      { kind: 'paste', text: 'one\ntwo\nthreeredlink\ttab' },
      // An Enter in the same chunk as the paste's end came with the paste: a line break, not a send.
      { kind: 'paste', text: '\n' },
    ]);
  });

  it('keeps text after an end marker inside the pasted text as pasted, Enter included, until a flush', () => {
    const t = createKeyTokenizer();
    expect(t.feed('\u001b[200~echo hi\u001b[201~rm -rf ~\r')).toEqual([
      { kind: 'paste', text: 'echo hi' },
      { kind: 'paste', text: 'rm -rf ~\n' },
    ]);
    expect(t.pending()).toBe('paste-tail');
    // The rest of a paste that a read cut after the embedded marker, its own end marker split too.
    expect(t.feed('more\r\u007f\u001b[B\u001b[20')).toEqual([{ kind: 'paste', text: 'more\n' }]);
    expect(t.feed('1~\u001b[200~again\r\u001b[201~')).toEqual([{ kind: 'paste', text: 'again\n' }]);
    expect(t.flush()).toEqual([]);
    expect(t.pending()).toBe('none');
    // After the pause, a key is a key again.
    expect(t.feed('\r')).toEqual([keyPress('return', {}, '\r')]);
  });

  it('goes on with a paste that holds both markers, its inner start marker included', () => {
    expect(keysOf('\u001b[200~a\u001b[200~b\u001b[201~c\rd\u001b[201~\r')).toEqual([
      { kind: 'paste', text: 'ab' },
      { kind: 'paste', text: 'c\nd\n' },
    ]);
  });

  it('waits for a paste split across chunks, its end marker split too', () => {
    const t = createKeyTokenizer();
    expect(t.feed('\u001b[20')).toEqual([]);
    expect(t.feed('0~line one\r')).toEqual([]);
    expect(t.pending()).toBe('paste');
    expect(t.feed('\u007f\u007fline two\u001b[2')).toEqual([]);
    expect(t.feed('01~\u007f')).toEqual([{ kind: 'paste', text: 'line one\nline two' }]);
    expect(t.flush()).toEqual([]);
    expect(t.feed('\u007f')).toEqual([keyPress('backspace', {}, '\u007f')]);
  });

  it('ends a paste whose end marker never came when flushed, with what came', () => {
    const t = createKeyTokenizer();
    expect(t.feed('\u001b[200~lost end')).toEqual([]);
    expect(t.flush()).toEqual([{ kind: 'paste', text: 'lost end' }]);
    expect(t.pending()).toBe('none');
  });

  it('drops a whole OSC title sequence (to BEL or ESC \\) from a paste, however the chunks split it, also right after the end marker', () => {
    for (const osc of ['\u001b]0;T\u0007', '\u001b]0;T\u001b\\']) {
      const input = `\u001b[200~a${osc}b\u001b[201~c${osc}d`;
      for (let cut = 1; cut < input.length; cut++) {
        const keys = keysOf(input.slice(0, cut), input.slice(cut));
        const typed = keys.map((k) => (k.kind === 'paste' || k.kind === 'text' ? k.text : '')).join('');
        expect({ cut, typed }).toEqual({ cut, typed: 'abcd' });
      }
    }
  });

  // Nothing in a paste is a key: an ESC that starts no complete sequence goes alone, and what follows it stays.
  it('keeps pasted text after an ESC that starts no complete sequence: "pa ESC P ste ESC ] evil BEL end"', () => {
    expect(keysOf('\u001b[200~pa\u001bP ste\u001b]evil\u0007 end\u001b[201~')).toEqual([{ kind: 'paste', text: 'paP ste end' }]);
    expect(keysOf('\u001b[200~a\u001bbc\u001b[1, 2]\u001bOK\u001b[201~')).toEqual([{ kind: 'paste', text: 'abc[1, 2]OK' }]);
  });

  it('never lets a sequence of a key pass as text', () => {
    for (const chunk of ['\u001b[31m', '\u001b[?25l', '\u001b[200~\u001b[201~', '\u001b]0;title\u001b\\', '\u009b31m']) {
      for (const key of keysOf(chunk)) if (key.kind === 'text' || key.kind === 'paste') expect(key.text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
  });
});

describe('neutralPaste', () => {
  it('leaves text, tabs and line breaks, and removes everything that would act on a terminal', () => {
    expect(neutralPaste('x\u001b[1;31my\u001bPdcs\u001b\\z\u009bw\r\n')).toBe('xyzw\n');
    // An ESC starting no complete sequence goes alone: the text after it stays.
    expect(neutralPaste('a\u001bPb\u001b]c\rd\u0007\u001b[1,2]\u001bOKe\u001b')).toBe('aPb]c\nd[1,2]OKe');
  });
});
