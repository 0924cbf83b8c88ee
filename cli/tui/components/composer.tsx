import { Box, Text } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { KeyHandler } from '../input/key-input.js';
import { useKeys } from '../input/key-input.js';
import type { Key } from '../input/keys.js';
import type { CompletionSources } from '../state/completion.js';
import { complete } from '../state/completion.js';
import { composerView, createComposerLayoutCache } from '../state/composer-view.js';
import type { EditAction, EditorState } from '../state/line-editor.js';
import { EMPTY, edit, insert, onFirstLine, onLastLine } from '../state/line-editor.js';
import { completeSlash } from '../state/slash-commands.js';
import type { Theme } from '../state/theme.js';

export interface ComposerProps {
  readonly onSubmit: (text: string) => void;
  /** Called with true while the user types, false once the composer is empty or sent. */
  readonly onTyping: (typing: boolean) => void;
  /** What this user sent, oldest first: ↑ in an empty composer recalls the last. */
  readonly history: readonly string[];
  readonly theme: Theme;
  readonly placeholder: string;
  /** Display columns inside the border. */
  readonly width: number;
  /** The most rows of text shown (a longer text scrolls inside the composer). */
  readonly maxRows: number;
  /** What Tab completes: commands, the room's people, rooms. */
  readonly sources: CompletionSources;
  /** Told the composer's height in rows (border included) whenever it changes. */
  readonly onHeight?: (rows: number) => void;
  /** Filled with what lets the app replace the text (to edit a message); see ComposerControl. */
  readonly control?: { current: ComposerControl | null };
  /** A line above the text saying what Enter does now ("editing…", "replying to…"); none when null. */
  readonly banner?: string | null;
}

/** What the app may do to the composer from outside. */
export interface ComposerControl {
  /** Replaces the text (cursor at its end), as if typed; recall starts over. */
  readonly setText: (text: string) => void;
  /** Whether the composer holds no text (then End is the timeline's: back to the newest). */
  readonly isEmpty: () => boolean;
}

/** The keys that edit, by readline's names for what they do. */
function actionOf(key: Key): EditAction | null {
  if (key.kind !== 'key') return null;
  const { name, ctrl, meta } = key;
  if (ctrl && !meta) {
    const byCtrl: Readonly<Record<string, EditAction>> = { a: 'beginning-of-line', e: 'end-of-line', u: 'unix-line-discard', w: 'unix-word-rubout', b: 'backward-char', f: 'forward-char', d: 'delete-char', h: 'backward-delete-char', left: 'backward-word', right: 'forward-word' };
    return byCtrl[name] ?? null;
  }
  if (meta && !ctrl) {
    const byMeta: Readonly<Record<string, EditAction>> = { b: 'backward-word', f: 'forward-word', d: 'kill-word', backspace: 'backward-kill-word', left: 'backward-word', right: 'forward-word' };
    return byMeta[name] ?? null;
  }
  if (ctrl || meta) return null;
  const plain: Readonly<Record<string, EditAction>> = { left: 'backward-char', right: 'forward-char', home: 'beginning-of-line', end: 'end-of-line', backspace: 'backward-delete-char', delete: 'delete-char' };
  return plain[name] ?? null;
}

/**
 * The composer, a readline-like editor. Enter sends; Alt+Enter, Shift+Enter (where the terminal
 * reports it) or Ctrl+J starts a new line; a paste stays one piece and one message. The cursor moves
 * by grapheme (←/→, Ctrl+B/F) and by word (Alt+B/F, Ctrl+←/→); Home/End and Ctrl+A/E go to the line's
 * ends; Backspace and Delete remove one grapheme, Ctrl+W and Alt+Backspace a word back, Alt+D a word
 * on, Ctrl+U the line before the cursor. ↑ in an empty composer recalls what you sent, and past the
 * oldest is left to the app (it selects a message); Tab completes a command, an @name or a #room. Keys
 * it does not use (Ctrl+K, PgUp…) are left to the app.
 */
export function Composer({ onSubmit, onTyping, history, theme, placeholder, width, maxRows, sources, onHeight, control, banner = null }: ComposerProps) {
  // The text lives in refs, read and written synchronously by the key handler: keys of one chunk
  // are handled one after another before React renders, and each must see the text the last left.
  const stateRef = useRef<EditorState>(EMPTY);
  const recallRef = useRef(0);
  const topRef = useRef(0);
  const layoutRef = useRef(createComposerLayoutCache());
  const [hints, setHints] = useState<readonly string[]>([]);
  const [, redraw] = useState(0);
  const update = (next: EditorState) => {
    const before = stateRef.current.text;
    stateRef.current = next;
    redraw((n) => n + 1);
    if (next.text !== before) {
      setHints([]);
      onTyping(next.text.length > 0 && !next.text.startsWith('/'));
    }
  };

  if (control) {
    control.current = {
      setText: (text) => {
        recallRef.current = 0;
        update({ text, cursor: text.length });
      },
      isEmpty: () => stateRef.current.text === '',
    };
  }

  const handle: KeyHandler = (key) => {
    const state = stateRef.current;
    if (key.kind === 'text' || key.kind === 'paste') {
      update(insert(state, key.text));
      return true;
    }
    if (key.kind !== 'key') return false;
    const { name, ctrl, meta, shift } = key;
    if ((name === 'return' && (meta || shift) && !ctrl) || (name === 'linefeed' && !meta)) {
      update(insert(state, '\n'));
      return true;
    }
    if (name === 'return' && !ctrl) {
      if (state.text.trim() !== '') {
        // Emptied first: what Enter runs may put text back (`/edit` loads the message to edit).
        recallRef.current = 0;
        update(EMPTY);
        onSubmit(state.text);
      }
      return true;
    }
    if (name === 'tab' && !ctrl && !meta && !shift) {
      const result = complete(state, sources);
      if (result.state !== state) update(result.state);
      setHints(result.candidates);
      return true;
    }
    if ((name === 'up' || name === 'down') && !ctrl && !meta) {
      const up = name === 'up';
      const recall = recallRef.current;
      // In a text of several lines, ↑/↓ move between them; at its edge, or empty, they walk the history.
      if (recall === 0 && state.text !== '') {
        if (up ? !onFirstLine(state) : !onLastLine(state)) update(edit(state, up ? 'previous-line' : 'next-line'));
        return true;
      }
      const nextRecall = up ? Math.min(recall + 1, history.length) : Math.max(0, recall - 1);
      if (nextRecall === recall && up) {
        // ↑ past the oldest sent message (or with nothing sent): the composer empties and the app
        // takes the key (it moves into the timeline to pick a message).
        if (recall > 0) {
          recallRef.current = 0;
          update(EMPTY);
        }
        return false;
      }
      if (nextRecall === recall) return true;
      recallRef.current = nextRecall;
      const text = nextRecall === 0 ? '' : (history[history.length - nextRecall] ?? '');
      update({ text, cursor: text.length });
      return true;
    }
    const action = actionOf(key);
    if (action === null) return false;
    // Ctrl+D on an empty composer is readline's end of input; here it just does nothing.
    update(edit(state, action));
    return true;
  };
  useKeys(handle, 0);

  const state = stateRef.current;
  const overflowRows = Math.max(1, maxRows);
  const full = composerView(state, width, overflowRows, topRef.current, layoutRef.current);
  // When the text is taller than the composer, one row says how much is hidden.
  const view = full.above + full.below > 0 ? composerView(state, width, Math.max(1, overflowRows - 1), topRef.current, layoutRef.current) : full;
  topRef.current = view.above;
  const slash = state.text.length > 1 ? completeSlash(state.text) : [];
  const suggestions = hints.length > 0 ? hints : slash;
  const mark = view.above + view.below > 0 ? [view.above > 0 ? `↑ ${view.above} more line${view.above === 1 ? '' : 's'}` : '', view.below > 0 ? `↓ ${view.below} more line${view.below === 1 ? '' : 's'}` : ''].filter(Boolean).join('  ·  ') : null;
  const height = 2 + (banner ? 1 : 0) + (state.text === '' ? 1 : view.rows.length) + (mark ? 1 : 0) + (suggestions.length > 0 ? 1 : 0);
  useEffect(() => onHeight?.(height), [height, onHeight]);

  return (
    <Box flexDirection="column" borderStyle="round" borderColor={banner ? theme.accent : theme.dim} paddingX={1}>
      {banner && (
        <Text color={theme.accent} wrap="truncate">
          {banner}
        </Text>
      )}
      {state.text === '' ? (
        <Text color={theme.dim} wrap="truncate">
          <Text inverse> </Text>
          {placeholder}
        </Text>
      ) : (
        view.rows.map((row, i) => (
          <Text key={i + view.above} wrap="truncate">
            {row.cursor ? (
              <>
                {row.cursor.before}
                <Text inverse>{row.cursor.at || ' '}</Text>
                {row.cursor.after}
              </>
            ) : (
              row.text || ' '
            )}
          </Text>
        ))
      )}
      {mark && <Text color={theme.dim}>{mark}</Text>}
      {suggestions.length > 0 && (
        <Text color={theme.dim} wrap="truncate">
          {suggestions.join('  ')}
        </Text>
      )}
    </Box>
  );
}
