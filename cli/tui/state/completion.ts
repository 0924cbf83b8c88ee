import type { EditorState } from './line-editor.js';

/** What Tab can complete to. */
export interface CompletionSources {
  /** Slash command names, without the slash. */
  readonly commands: readonly string[];
  /** User names (the room's members and who spoke in it), without the `@`. */
  readonly users: readonly string[];
  /** Room names, without the `#`. */
  readonly rooms: readonly string[];
}

/** The result of Tab: the text after it, and every candidate when more than one fits. */
export interface Completion {
  readonly state: EditorState;
  readonly candidates: readonly string[];
}

/** The longest common start of all strings, compared case-insensitively, as the first spells it. */
function commonPrefix(words: readonly string[]): string {
  const [first = '', ...others] = words;
  let n = first.length;
  for (const w of others) {
    let i = 0;
    while (i < n && i < w.length && w[i]?.toLowerCase() === first[i]?.toLowerCase()) i++;
    n = i;
  }
  return first.slice(0, n);
}

/**
 * Completes the word before the cursor, as a shell does: `/jo` at the start of the text to a command,
 * `@da` to a user name, `#pla` to a room name (case-insensitive). One candidate: it is put in, with a
 * space after. Several: their common start is put in, and all are answered (to show them). None: the
 * state is unchanged.
 */
export function complete(state: EditorState, sources: CompletionSources): Completion {
  const before = state.text.slice(0, state.cursor);
  const m = /(^\/|(?:^|[\s(])[@#])([\p{L}\p{N}_.-]*)$/u.exec(before);
  if (!m) return { state, candidates: [] };
  const sigil = (m[1] ?? '').trim().slice(-1);
  const prefix = m[2] ?? '';
  const pool = sigil === '/' ? sources.commands : sigil === '@' ? sources.users : sources.rooms;
  const lower = prefix.toLowerCase();
  const candidates = [...new Set(pool.filter((c) => c.toLowerCase().startsWith(lower)))].sort((a, b) => a.localeCompare(b));
  if (candidates.length === 0) return { state, candidates: [] };
  const start = state.cursor - prefix.length;
  const only = candidates.length === 1;
  const word = only ? `${candidates[0]} ` : commonPrefix(candidates);
  if (!only && word.length <= prefix.length) return { state, candidates: candidates.map((c) => sigil + c) };
  const text = state.text.slice(0, start) + word + state.text.slice(state.cursor);
  return { state: { text, cursor: start + word.length }, candidates: only ? [] : candidates.map((c) => sigil + c) };
}
