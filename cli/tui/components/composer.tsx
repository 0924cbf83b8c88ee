import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import { completeSlash } from '../state/slash-commands.js';
import type { Theme } from '../state/theme.js';

/** Focus-in/out (`ESC[I`, `ESC[O`) and SGR mouse reports, as Ink hands them over (ESC removed). */
export const TERMINAL_REPORT = /^\u001b?\[(?:I|O|<\d+;\d+;\d+[Mm])+$/;

export interface ComposerProps {
  readonly onSubmit: (text: string) => void;
  /** Called with true while the user types, false once the composer is empty or sent. */
  readonly onTyping: (typing: boolean) => void;
  /** What this user sent, oldest first: ↑ in an empty composer recalls the last. */
  readonly history: readonly string[];
  readonly theme: Theme;
  readonly placeholder: string;
  /** False while another panel (the room switcher) takes the keyboard; a ref, read at each key. */
  readonly active?: { readonly current: boolean };
}

/**
 * The composer. Enter sends; Alt+Enter (or Shift+Enter where the terminal reports it) starts a new
 * line; a paste arrives as one piece and stays one message; ↑ in an empty composer recalls what you
 * sent; Tab completes a slash command.
 */
export function Composer({ onSubmit, onTyping, history, theme, placeholder, active }: ComposerProps) {
  // The text lives in refs, read and written synchronously by the key handler: Ink re-registers a
  // changed handler only after the next render, so a key that arrives first (a fast Enter after the
  // last letter) must still see the latest text.
  const valueRef = useRef('');
  const recallRef = useRef(0);
  const [, redraw] = useState(0);
  const value = valueRef.current;
  const update = (next: string) => {
    valueRef.current = next;
    redraw((n) => n + 1);
    onTyping(next.length > 0 && !next.startsWith('/'));
  };
  const setRecall = (n: number) => {
    recallRef.current = n;
  };

  useInput((input, key) => {
    const value = valueRef.current;
    const recall = recallRef.current;
    if (active && !active.current) return;
    if (TERMINAL_REPORT.test(input)) return; // focus and mouse reports are the app's
    if (key.ctrl || key.escape || key.pageUp || key.pageDown) return; // the app's keys
    if (key.return) {
      if (key.meta || key.shift) {
        update(value + '\n');
        return;
      }
      if (value.trim() === '') return;
      onSubmit(value);
      setRecall(0);
      update('');
      return;
    }
    if (key.backspace || key.delete) {
      update(value.slice(0, -1));
      return;
    }
    if (key.upArrow) {
      if (value !== '' && recall === 0) return;
      const next = Math.min(recall + 1, history.length);
      if (next === 0) return;
      setRecall(next);
      update(history[history.length - next] ?? '');
      return;
    }
    if (key.downArrow) {
      if (recall === 0) return;
      const next = recall - 1;
      setRecall(next);
      update(next === 0 ? '' : (history[history.length - next] ?? ''));
      return;
    }
    if (key.tab) {
      const [first] = completeSlash(value);
      if (first) update(first);
      return;
    }
    if (key.leftArrow || key.rightArrow || key.upArrow || key.downArrow) return;
    // Bracketed paste (enabled by the app) wraps a paste in ESC[200~ … ESC[201~; the markers go, the
    // pasted text stays one piece, its line breaks kept.
    const text = input.replace(/\u001b?\[20[01]~/g, '').replace(/\r\n?/g, '\n');
    if (text) update(value + text);
  });

  const suggestions = completeSlash(value);
  const lines = value.split('\n');
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.dim} paddingX={1}>
      {value === '' ? (
        <Text color={theme.dim}>{placeholder}</Text>
      ) : (
        lines.map((line, i) => (
          <Text key={i}>
            {line}
            {i === lines.length - 1 ? <Text inverse> </Text> : null}
          </Text>
        ))
      )}
      {suggestions.length > 0 && value.length > 1 && <Text color={theme.dim}>{suggestions.join('  ')}</Text>}
    </Box>
  );
}
