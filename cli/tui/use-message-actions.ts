import { useEffect, useRef, useState } from 'react';
import type { MessageView, PendingMessage } from '../../shared/client/index.js';
import { newestIsSending, plainErrorText } from '../../shared/client/index.js';
import { LAST_STILL_SENDING } from '../../shared/text/still-sending.js';
import { ChatError } from '../../shared/protocol/index.js';
import type { Room, RoomEvent } from '../../shared/protocol/index.js';
import { neutralize } from '../../shared/text/neutralize.js';
import type { ComposerControl } from './components/composer.js';
import type { Key } from './input/keys.js';
import type { ActionPrompt, ComposeMode, Selection } from './state/message-actions.js';
import { actionRefusal, moveSelection, QUICK_REACTIONS, snippet } from './state/message-actions.js';
import type { DraftBook, DraftTarget } from './state/drafts.js';
import type { Chat } from './use-chat.js';

/** What acting on messages needs from the screen. */
export interface MessageActionsOptions {
  readonly chat: Pick<Chat, 'edit' | 'reply' | 'react' | 'deleteMessage'>;
  readonly room: Room | undefined;
  readonly me: { readonly id: string; readonly username: string };
  /** The room's messages with relations applied, by event id (see applyRelations). */
  readonly views: ReadonlyMap<string, MessageView> | undefined;
  /** The ids of the messages a selection walks through, oldest first (see selectableIds). */
  readonly ids: readonly string[];
  /** The room's events by id (the selection's targets). */
  readonly eventOf: (id: string) => RoomEvent | undefined;
  /** Replaces the composer's text. */
  readonly composer: { readonly current: ComposerControl | null };
  /** Shows a line in the status bar (null clears it). */
  readonly setNote: (note: string | null) => void;
  /**
   * This user's messages of the room still in the outbox (or acknowledged and not yet in the
   * timeline), in the order typed: a slash command with nothing selected refuses while one of them
   * is the newest message, rather than act on an older one (they have no server id yet).
   */
  readonly pending?: readonly PendingMessage[];
  /**
   * Brings the timeline to the newest message: called when a reply is sent (by Enter or `/reply
   * text`), as sending a plain message does, so the reply shows. Not for an edit: the edited message
   * stays where it is, and so does the view.
   */
  readonly followNewest?: () => void;
  /**
   * Where the room's reply or edit in progress is kept with its draft (see DraftTarget): set when
   * `r` or `e` starts one, cleared when it is sent or cancelled, and read when a room shows, to come
   * back to it. None kept when absent.
   */
  readonly drafts?: Pick<DraftBook, 'target' | 'setTarget'>;
  /** Whether the room's first page of history has come (until then a kept target is not looked for). */
  readonly loaded?: boolean;
  /** Loads the room's history back to `seq` (see Chat.loadUntil), to find a kept target older than what is loaded. */
  readonly loadUntil?: (roomId: string, seq: number) => Promise<void>;
}

/** What a slash command with nothing selected says while this user's newest message is still on its way. */
export const STILL_SENDING = (action: string): string => `${LAST_STILL_SENDING}: /${action} it once it is sent (or select a message with Ctrl+↑)`;

/** The message actions' state and handlers, for the app to draw and route keys to. */
export interface MessageActions {
  readonly selection: Selection | null;
  readonly prompt: ActionPrompt;
  /** The line the composer shows above its text while editing or replying; null otherwise. */
  readonly banner: string | null;
  /** Handles a key while selecting, prompting, editing or replying; answers whether it used it. */
  readonly onKey: (key: Key) => boolean;
  /** Enters selection mode at the newest message (↑ past the composer's recall, Ctrl+↑); answers whether there was one. */
  readonly select: () => boolean;
  /** Selects the message `id` (a search result jumped to) as ↑/↓ would; answers false when it is not one the selection walks. */
  readonly selectId: (id: string) => boolean;
  /** Takes the composer's Enter while editing or replying; answers false (the text is a plain message) otherwise. */
  readonly submit: (text: string) => boolean;
  /**
   * `/edit`, `/delete`, `/react`, `/reply`: on the selected message, else the room's last fitting one;
   * answers the status line. Rejects with a ChatError saying why when the command is refused (its
   * newest message still being sent: `conflict`; no message to act on: `not_found`; not this user's
   * to change, or deleted: `forbidden`), so the app gives the command's text back to the composer.
   */
  readonly slash: (action: 'edit' | 'delete' | 'react' | 'reply', arg: string) => Promise<string>;
}

/** What Esc does while editing, as the edit banner says it: the edited text is dropped, the message left as it was. */
export const EDIT_ESC = 'Esc drops your changes';
/** What Esc does while replying, as the reply banner says it: reply mode ends, the text stays as a plain draft. */
export const REPLY_ESC = 'Esc stops replying, keeps your text';

/** The status line while a message is selected. */
export const SELECTION_HINT = '↑/↓ choose · e edit · d delete · r reply · + react · Esc back';

const errorText = (error: unknown): string => plainErrorText(error);

/**
 * Selecting a message in the timeline and acting on it, as a hook of the chat screen: `e` loads one's
 * own message into the composer (Enter saves the edit), `d` asks y/n and deletes, `r` makes Enter send
 * a reply quoting it, `+` asks for an emoji (1–6 pick a quick one) and toggles this user's reaction.
 * Everything goes through the shared client model (open and private rooms alike). State lives in refs,
 * as keys of one chunk are handled before React renders again.
 */
export function useMessageActions(o: MessageActionsOptions): MessageActions {
  const selectionRef = useRef<Selection | null>(null);
  const promptRef = useRef<ActionPrompt>(null);
  const modeRef = useRef<ComposeMode>(null);
  const [, redraw] = useState(0);
  const set = <T,>(ref: { current: T }, value: T) => {
    ref.current = value;
    redraw((n) => n + 1);
  };
  const setSelection = (s: Selection | null) => set(selectionRef, s);
  const setPrompt = (p: ActionPrompt) => set(promptRef, p);
  const { chat, room, me, setNote } = o;
  /** The message's text now (this user's edit still in the outbox counted), or null while it is not open. */
  const textNow = (event: RoomEvent): string | null => {
    const view = o.views?.get(event.id);
    return view ? (view.pendingText ?? view.text) : event.body;
  };
  /**
   * Set when a kept edit comes back to a message whose text is no longer the one the edit began from
   * (edited since, on another device): the effect below says so on the status line.
   */
  const changedRef = useRef(false);
  /** Brings a kept reply or edit back on its message `event`, noting an edit whose message changed since. */
  const bringBack = (target: DraftTarget, event: RoomEvent) => {
    restoreRef.current = null;
    modeRef.current = { kind: target.kind, target: event };
    const now = textNow(event);
    if (target.kind === 'edit' && target.from !== undefined && now !== null && now !== target.from) changedRef.current = true;
  };
  /** Enters or leaves editing or replying, and keeps it with the room's draft (an edit's text comes from the composer). */
  const setMode = (m: ComposeMode) => {
    set(modeRef, m);
    if (!room) return;
    const from = m ? textNow(m.target) : null;
    const target: DraftTarget | null = !m
      ? null
      : m.kind === 'reply'
        ? { kind: 'reply', eventId: m.target.id, seq: m.target.seq }
        : { kind: 'edit', eventId: m.target.id, seq: m.target.seq, text: '', cursor: 0, ...(from !== null ? { from } : {}) };
    o.drafts?.setTarget(room.id, target);
  };
  /**
   * A reply or edit kept with the draft of the room shown, not yet back: its message is looked for
   * among those loaded, then (once) by loading history back to it (`load`).
   */
  const restoreRef = useRef<{ readonly roomId: string; readonly target: DraftTarget; load: 'no' | 'loading' | 'done' } | null>(null);

  /** The room the refs below belong to (undefined: none yet); see showRoom. */
  const shownRef = useRef<{ readonly id: string | undefined } | null>(null);
  /**
   * Another room: whatever was selected belongs to the last one; a reply or edit in progress stays
   * with that room's draft (see setMode). The composer already shows the new room's draft, or its
   * edit's text; the reply or edit kept with it comes back now if its message is loaded, else once it
   * is found (the effect below). Run while rendering the new room, not in an effect after it: the
   * keys a room switch held (Ctrl+P, text, Enter in one burst) are let go from an effect once the room
   * shows, and must find the reply or edit already back, not send a plain message.
   */
  const showRoom = () => {
    if (shownRef.current && shownRef.current.id === room?.id) return;
    shownRef.current = { id: room?.id };
    selectionRef.current = null;
    promptRef.current = null;
    modeRef.current = null;
    const target = room ? o.drafts?.target(room.id) : undefined;
    restoreRef.current = room && target ? { roomId: room.id, target, load: 'no' } : null;
    const event = target ? o.eventOf(target.eventId) : undefined;
    if (target && event && o.views?.get(target.eventId)?.deleted !== true) bringBack(target, event);
  };
  showRoom();

  // The kept reply or edit: back ("replying to…", "editing…") once its message is loaded; if the
  // message was deleted, or is not there even after loading back to it, the status line says so and
  // the text stays as a plain draft (an edit's text after the draft already there).
  useEffect(() => {
    if (changedRef.current) {
      changedRef.current = false;
      setNote(`the message you were editing was edited since (elsewhere) — Enter saves your text over it · ${EDIT_ESC}`);
    }
    // A reply or edit in progress whose message is deleted while the room shows ends the same way.
    const m = currentMode();
    if (m && room && o.views?.get(m.target.id)?.deleted === true) {
      setMode(null);
      if (selectionRef.current?.id === m.target.id) selectionRef.current = null;
      if (m.kind === 'edit') o.composer.current?.keepAsDraft();
      const what = m.kind === 'edit' ? 'you were editing' : 'you were replying to';
      setNote(`the message ${what} was deleted — your text is kept as a draft`);
      return;
    }
    const r = restoreRef.current;
    if (!r || !room || r.roomId !== room.id) return;
    const { target } = r;
    const event = o.eventOf(target.eventId);
    const deleted = o.views?.get(target.eventId)?.deleted === true;
    if (event && !deleted) {
      bringBack(target, event);
      redraw((n) => n + 1);
      return;
    }
    if (!event && (!o.loaded || r.load === 'loading')) return;
    if (!event && r.load === 'no' && o.loadUntil) {
      r.load = 'loading';
      void o
        .loadUntil(room.id, target.seq)
        .catch(() => undefined)
        .then(() => {
          r.load = 'done';
          redraw((n) => n + 1);
        });
      return;
    }
    restoreRef.current = null;
    o.drafts?.setTarget(room.id, null);
    if (target.kind === 'edit') o.composer.current?.keepAsDraft();
    const what = target.kind === 'edit' ? 'you were editing' : 'you were replying to';
    setNote(`the message ${what} ${deleted ? 'was deleted' : 'is gone'} — your text is kept as a draft`);
  });

  const done = () => setSelection(null);

  const react = (target: RoomEvent, key: string) => {
    if (!room) return;
    chat.react(room, target, key).then(
      (given) => setNote(given ? `reacted ${neutralize(key)}` : `took back ${neutralize(key)}`),
      (error: unknown) => setNote(errorText(error)),
    );
  };

  const remove = (target: RoomEvent) => {
    if (!room) return;
    chat.deleteMessage(room, target.seq).then(
      () => setNote('message deleted'),
      (error: unknown) => setNote(errorText(error)),
    );
  };

  /** Starts an action on `target`; answers the status line (a refusal, or what to do next). */
  const act = (action: 'edit' | 'delete' | 'reply' | 'react', target: RoomEvent): string | null => {
    if (!room) return 'choose a room first';
    const view = o.views?.get(target.id);
    const refusal = actionRefusal(action, view, target, me.id, room);
    if (refusal) return refusal;
    switch (action) {
      case 'edit':
        setMode({ kind: 'edit', target });
        setSelection({ id: target.id, active: false });
        o.composer.current?.setText(view?.pendingText ?? view?.text ?? target.body ?? '', { transient: true });
        return null;
      case 'reply':
        setMode({ kind: 'reply', target });
        setSelection({ id: target.id, active: false });
        return null;
      case 'delete':
        setPrompt({ kind: 'delete', target });
        return null;
      case 'react':
        setPrompt({ kind: 'react', target, text: '' });
        return null;
      default: {
        const unreachable: never = action;
        return String(unreachable);
      }
    }
  };

  const select = (): boolean => {
    const last = o.ids.at(-1);
    if (!last) return false;
    setSelection({ id: last, active: true });
    setNote(SELECTION_HINT);
    return true;
  };

  const selectId = (id: string): boolean => {
    if (!o.ids.includes(id)) return false;
    setSelection({ id, active: true });
    return true;
  };

  const onPromptKey = (p: NonNullable<ActionPrompt>, key: Key): boolean => {
    if (p.kind === 'delete') {
      // Any key answers: only y deletes.
      if (key.kind === 'text' && key.text.toLowerCase() === 'y') remove(p.target);
      else setNote('not deleted');
      setPrompt(null);
      done();
      return true;
    }
    if (key.kind === 'text' || key.kind === 'paste') {
      const quick = p.text === '' && /^[1-9]$/.test(key.text) ? QUICK_REACTIONS[Number(key.text) - 1] : undefined;
      if (quick) {
        setPrompt(null);
        done();
        react(p.target, quick);
      } else setPrompt({ ...p, text: p.text + key.text });
      return true;
    }
    if (key.kind !== 'key') return true;
    if (key.name === 'escape') {
      setPrompt(null);
      setNote(null);
      done();
    } else if (key.name === 'return') {
      const emoji = p.text.trim();
      if (emoji === '') return true;
      setPrompt(null);
      done();
      react(p.target, emoji);
    } else if (key.name === 'backspace') {
      const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(p.text)].map((g) => g.segment);
      setPrompt({ ...p, text: graphemes.slice(0, -1).join('') });
    }
    return true;
  };

  const onSelectionKey = (sel: Selection, key: Key): boolean => {
    if (key.kind === 'text') {
      const byKey = { e: 'edit', d: 'delete', r: 'reply', '+': 'react' } as const;
      const action = key.text in byKey ? byKey[key.text as keyof typeof byKey] : undefined;
      const target = o.eventOf(sel.id);
      if (action && target) {
        setNote(act(action, target));
        return true;
      }
      // A slash command acts on the selected message; other typing leaves the selection and goes on in the composer.
      setSelection(key.text.startsWith('/') ? { id: sel.id, active: false } : null);
      if (!key.text.startsWith('/')) setNote(null);
      return false;
    }
    if (key.kind !== 'key') {
      if (key.kind === 'paste') setSelection(null);
      return false;
    }
    if (key.name === 'up' || key.name === 'down') {
      if (key.meta) return false;
      const next = moveSelection(o.ids, sel.id, key.name === 'up' ? -1 : 1);
      setSelection(next ? { id: next, active: true } : null);
      if (!next) setNote(null);
      return true;
    }
    if (key.name === 'escape') {
      setSelection(null);
      setNote(null);
      return true;
    }
    // Scrolling and the app's keys (Ctrl+K…) still work; other keys do nothing here.
    return key.ctrl || key.meta || key.name === 'pageup' || key.name === 'pagedown' ? false : true;
  };

  const onKey = (key: Key): boolean => {
    const p = promptRef.current;
    if (p) return onPromptKey(p, key);
    const sel = selectionRef.current;
    if (sel?.active) return onSelectionKey(sel, key);
    if (key.kind !== 'key') return false;
    // Esc also cancels a kept reply or edit whose message is still loading. An edit's text goes (the
    // plain draft from before it comes back); a reply's text stays, as a plain draft.
    const restoring = restoreRef.current?.roomId === room?.id ? restoreRef.current : null;
    if (key.name === 'escape' && (modeRef.current || sel || restoring)) {
      if (modeRef.current?.kind === 'edit' || restoring?.target.kind === 'edit') o.composer.current?.setText('');
      restoreRef.current = null;
      setMode(null);
      setSelection(null);
      setNote(null);
      return true;
    }
    if (key.name === 'up' && key.ctrl && !key.meta) return select() || true;
    return false;
  };

  /** The reply or edit in progress, if it is the room shown's (until the room-change effect runs, it may be the last room's). */
  const currentMode = (): ComposeMode => (modeRef.current && modeRef.current.target.roomId === room?.id ? modeRef.current : null);

  const submit = (text: string): boolean => {
    let mode = currentMode();
    const r = restoreRef.current;
    if (!mode && room && r?.roomId === room.id) {
      // A kept reply or edit not back yet (its message still loading): not a plain message.
      const event = o.eventOf(r.target.eventId);
      if (event && o.views?.get(event.id)?.deleted !== true) {
        restoreRef.current = null;
        mode = { kind: r.target.kind, target: event };
      } else {
        setNote(`still loading the message you were ${r.target.kind === 'edit' ? 'editing' : 'replying to'}: Enter again once it shows`);
        if (r.target.kind === 'edit') o.composer.current?.setText(text, { transient: true });
        else o.composer.current?.restore(text, room.id);
        return true;
      }
    }
    if (!mode || !room) {
      // A message typed after a selection was left for a slash command: the mark goes.
      if (selectionRef.current && !text.startsWith('/')) setSelection(null);
      return false;
    }
    setMode(null);
    done();
    if (mode.kind === 'reply') o.followNewest?.();
    const sent = mode.kind === 'edit' ? chat.edit(room, mode.target, text) : chat.reply(room, mode.target, text);
    sent.then(
      () => setNote(mode.kind === 'edit' ? 'edited' : null),
      (error: unknown) => setNote(errorText(error)),
    );
    return true;
  };

  /** The message a slash command acts on: the selected one, else the room's last (this user's for edit and delete) not deleted. */
  const slashTarget = (action: 'edit' | 'delete' | 'react' | 'reply'): RoomEvent | undefined => {
    const sel = selectionRef.current;
    if (sel) return o.eventOf(sel.id);
    const mine = action === 'edit' || action === 'delete';
    for (const id of [...o.ids].reverse()) {
      const e = o.eventOf(id);
      if (!e || o.views?.get(id)?.deleted) continue;
      if (!mine || e.sender.id === me.id) return e;
    }
    return undefined;
  };

  const slash = async (action: 'edit' | 'delete' | 'react' | 'reply', arg: string): Promise<string> => {
    // The newest message is one still being sent: it has no target id yet, and an older one is not what was meant.
    if (!selectionRef.current && newestIsSending(o.pending ?? [])) throw new ChatError('conflict', STILL_SENDING(action));
    const target = slashTarget(action);
    if (!target) throw new ChatError('not_found', action === 'edit' || action === 'delete' ? 'you have no message here to ' + action : 'no message here yet');
    const text = arg.trim();
    if ((action === 'react' || (text !== '' && action !== 'delete')) && room) {
      const refusal = actionRefusal(action, o.views?.get(target.id), target, me.id, room);
      if (refusal) throw new ChatError('forbidden', refusal);
      done();
      if (action === 'react') {
        const given = await chat.react(room, target, text);
        return given ? `reacted ${neutralize(text)}` : `took back ${neutralize(text)}`;
      }
      if (action === 'reply') o.followNewest?.();
      await (action === 'edit' ? chat.edit(room, target, text) : chat.reply(room, target, text));
      return action === 'edit' ? 'edited' : '';
    }
    const refusal = act(action, target);
    if (refusal !== null) throw new ChatError('forbidden', refusal);
    return '';
  };

  const mode = currentMode();
  // Each banner says what Esc does there (see onKey): an edit's text goes (the message stays as it
  // was, and the plain draft from before comes back); a reply ends but its text stays as a plain draft.
  const banner = !mode
    ? null
    : mode.kind === 'edit'
      ? `editing your message — Enter saves · ${EDIT_ESC}`
      : `replying to ${neutralize(mode.target.sender.username)}: ${snippet(o.views?.get(mode.target.id)?.text ?? '', 40)} — ${REPLY_ESC}`;
  return { selection: selectionRef.current, prompt: promptRef.current, banner, onKey, select, selectId, submit, slash };
}
