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
import type { DraftBook } from '../state/drafts.js';
import { completeSlash } from '../state/slash-commands.js';
import type { Theme } from '../state/theme.js';

export interface ComposerProps {
  readonly onSubmit: (text: string) => void;
  /** Called with true while the user types, false once the composer is empty or sent. */
  readonly onTyping: (typing: boolean) => void;
  /** What this user sent, oldest first: ↑ on the text's first line recalls the last. */
  readonly history: readonly string[];
  /**
   * Whose draft the composer holds (the room's id; null with no room): when it changes, the text
   * and cursor are kept in `drafts` under the old key and the new key's draft comes back.
   */
  readonly draftKey?: string | null;
  /**
   * Each room's draft, told every change of the text (see DraftBook); none kept when absent. The text
   * of a message being edited goes to the draft's edit target instead (setEditText), and a room whose
   * draft is an edit comes back with the edit's text.
   */
  readonly drafts?: Pick<DraftBook, 'get' | 'set' | 'target' | 'setEditText'>;
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
  /**
   * Replaces the text (cursor at its end), as if typed; recall starts over. A `transient` text (a
   * message loaded to be edited) is not kept as the room's draft but as its draft's edit (see
   * DraftBook.setEditText): once it is sent or replaced by an empty text (Esc), the room's draft
   * comes back.
   */
  readonly setText: (text: string, options?: { readonly transient?: boolean }) => void;
  /**
   * Makes a transient text (an edit whose message is gone) the room's plain draft, after the draft
   * already there on a line of its own, so nothing typed is lost; nothing when the text is not transient.
   */
  readonly keepAsDraft: () => void;
  /**
   * Puts back the text of a command that was refused, unless something else was typed since: into
   * the composer when it still holds `draftKey`'s draft, else into that room's kept draft.
   */
  readonly restore: (text: string, draftKey: string | null) => void;
  /** Whether the composer holds no text (then End is the timeline's: back to the newest). */
  readonly isEmpty: () => boolean;
}

/**
 * Where ↑/↓ are in the history: `at` entries back from the newest (0: the text being typed), and the
 * entries edited while browsing (by `at`; 0 holds the text typed before browsing), kept until the
 * text is sent, as readline keeps edited history lines until one is accepted.
 */
interface Recall {
  readonly at: number;
  readonly edited: ReadonlyMap<number, EditorState>;
}

const NOT_RECALLING: Recall = { at: 0, edited: new Map() };

/**
 * One step through `history` (oldest first) from `recall` with `state` shown: the current text is
 * kept as the entry's (edited or not), and the next entry shows as it was left, or as sent with the
 * cursor at its end. Null when there is nothing further that way.
 */
function walkHistory(recall: Recall, state: EditorState, history: readonly string[], up: boolean): { recall: Recall; state: EditorState } | null {
  const at = up ? recall.at + 1 : recall.at - 1;
  if (at < 0 || at > history.length) return null;
  const edited = new Map(recall.edited).set(recall.at, state);
  const sent = history[history.length - at] ?? '';
  return { recall: { at, edited }, state: edited.get(at) ?? { text: sent, cursor: sent.length } };
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
    // Sent as ESC and the key, these arrive as Alt only because input/keys.ts ALT_KEYS names them.
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
 * on, Ctrl+U the line before the cursor. ↑/↓ move between the text's lines; from its first line ↑
 * recalls what you sent (↓ from the last line goes back toward the text being typed), keeping edits
 * made to a recalled message until one is sent, as readline does; ↑ in an empty composer with nothing
 * to recall is left to the app (it selects a message). Tab completes a command, an @name or a #room.
 * Each room keeps its own draft (`draftKey`, `drafts`). Keys it does not use (Ctrl+K, PgUp…) are left
 * to the app.
 */
export function Composer({ onSubmit, onTyping, history, theme, placeholder, width, maxRows, sources, onHeight, control, banner = null, draftKey = null, drafts }: ComposerProps) {
  // The text lives in refs, read and written synchronously by the key handler: keys of one chunk
  // are handled one after another before React renders, and each must see the text the last left.
  const stateRef = useRef<EditorState>(EMPTY);
  const keyRef = useRef<string | null>(null);
  /** Whether the text is transient (see ComposerControl.setText): not kept as the room's draft. */
  const transientRef = useRef(false);
  /** The room's kept draft, which a transient text leaves alone and gives way to when it ends. */
  const kept = (): EditorState => (keyRef.current !== null ? drafts?.get(keyRef.current) : undefined) ?? EMPTY;
  const recall = useRef<Recall>(NOT_RECALLING);
  const topRef = useRef(0);
  const layoutRef = useRef(createComposerLayoutCache());
  const [hints, setHints] = useState<readonly string[]>([]);
  const [, redraw] = useState(0);
  const update = (next: EditorState) => {
    const before = stateRef.current.text;
    stateRef.current = next;
    if (keyRef.current !== null) {
      if (transientRef.current) drafts?.setEditText(keyRef.current, next);
      else drafts?.set(keyRef.current, next);
    }
    redraw((n) => n + 1);
    if (next.text !== before) {
      setHints([]);
      onTyping(next.text.length > 0 && !next.text.startsWith('/'));
    }
  };

  // Another room: this one's draft is already kept (every change is); the other's comes back, or
  // the edit in progress there (the app brings back its "editing" state).
  if (draftKey !== keyRef.current) {
    // Text typed while no room showed (right after start, before the room list came) belongs to no
    // draft: it goes on in the first room shown, after that room's kept draft, as if typed then; on a
    // line of its own when neither side has a space between them ("bobdraft" + "typed early").
    const early = keyRef.current === null ? stateRef.current : EMPTY;
    keyRef.current = draftKey;
    recall.current = NOT_RECALLING;
    const target = draftKey !== null ? drafts?.target(draftKey) : undefined;
    transientRef.current = target?.kind === 'edit';
    stateRef.current = target?.kind === 'edit' ? { text: target.text, cursor: target.cursor } : ((draftKey !== null ? drafts?.get(draftKey) : undefined) ?? EMPTY);
    if (draftKey !== null && early.text !== '') {
      const before = stateRef.current.text.slice(0, stateRef.current.cursor);
      const apart = before !== '' && !/\s$/.test(before) && !/^\s/.test(early.text);
      stateRef.current = insert(stateRef.current, apart ? `\n${early.text}` : early.text);
      if (transientRef.current) drafts?.setEditText(draftKey, stateRef.current);
      else drafts?.set(draftKey, stateRef.current);
    }
  }

  if (control) {
    control.current = {
      setText: (text, options) => {
        recall.current = NOT_RECALLING;
        const ending = transientRef.current && text === '';
        transientRef.current = options?.transient ?? false;
        update(ending ? kept() : { text, cursor: text.length });
      },
      restore: (text, key) => {
        const back = { text, cursor: text.length };
        if (key === keyRef.current) {
          if (stateRef.current.text === '') {
            recall.current = NOT_RECALLING;
            update(back);
          }
        } else if (key !== null && drafts && !drafts.get(key)) drafts.set(key, back);
      },
      keepAsDraft: () => {
        if (!transientRef.current) return;
        const under = kept().text;
        const text = under === '' ? stateRef.current.text : stateRef.current.text === '' ? under : `${under}\n${stateRef.current.text}`;
        transientRef.current = false;
        recall.current = NOT_RECALLING;
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
        // Emptied first: what Enter runs may put text back (`/edit` loads the message to edit, a
        // refused command its own text).
        recall.current = NOT_RECALLING;
        const after = transientRef.current ? kept() : EMPTY;
        transientRef.current = false;
        update(after);
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
      // Within a text of several lines ↑/↓ move between its lines; from its first line ↑ (its last, ↓) walks the history.
      if (up ? !onFirstLine(state) : !onLastLine(state)) {
        update(edit(state, up ? 'previous-line' : 'next-line'));
        return true;
      }
      const walked = walkHistory(recall.current, state, history, up);
      if (walked === null) {
        // ↑ with nothing older to recall: an empty composer leaves the key to the app (it moves into
        // the timeline to pick a message); past the oldest, the text typed before browsing comes back first.
        if (!up) return true;
        if (recall.current.at > 0) {
          const typed = recall.current.edited.get(0) ?? EMPTY;
          // The oldest entry's edits are kept too, for the next ↑.
          recall.current = { at: 0, edited: new Map(recall.current.edited).set(recall.current.at, state) };
          update(typed);
          return typed.text !== '';
        }
        return state.text !== '';
      }
      recall.current = walked.recall;
      update(walked.state);
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
  const slash = state.text.length > 1 ? completeSlash(state.text, sources.commands) : [];
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
