import { Box, Text, useApp, useStdout } from 'ink';
import { LRUCache } from 'lru-cache';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { applyRelations, describeKeyChange, isOwnMessage, keyChangeNotices, openedNotice, plainErrorText, removalText, typingLine, unopenedEditNotice, unsearchedNotice } from '../../shared/client/index.js';
import type { KeyChangeNotice } from '../../shared/client/index.js';
import { isDirectMessage, isDirectMessageName, roomTitle } from '../../shared/protocol/index.js';
import type { Room, RoomEvent, SearchHit, SummaryType } from '../../shared/protocol/index.js';
import { neutralize } from '../../shared/text/neutralize.js';
import { PRIVATE_TOPIC_TAG } from '../../shared/text/private-topic-note.js';
import { ActionPrompt, actionPromptHeight } from './components/action-prompt.js';
import { Composer } from './components/composer.js';
import { DevicePrompt } from './components/device-prompt.js';
import type { ComposerControl } from './components/composer.js';
import type { RoomItem } from './components/room-list.js';
import { RoomList, roomMark } from './components/room-list.js';
import type { Panel } from './components/results-panel.js';
import { panelHeight, ResultsPanel, wrapLines } from './components/results-panel.js';
import { matchedRow, matchedWords } from './state/search-jump.js';
import { StatusBar } from './components/status-bar.js';
import { Timeline } from './components/timeline.js';
import { TypingLine } from './components/typing-line.js';
import { KeyInputProvider, useKeyHold, useKeyReplay, useKeys } from './input/key-input.js';
import type { Key } from './input/keys.js';
import { isKey } from './input/keys.js';
import { DIRECTORY_HINT, runSlash } from './slash-actions.js';
import { fuzzyFilter } from './state/fuzzy.js';
import { scrollToShow, selectableIds } from './state/message-actions.js';
import { DraftBook } from './state/drafts.js';
import { helpText, offeredCommands, parseComposer } from './state/slash-commands.js';
import type { ThemeChoice } from './state/theme.js';
import { resolveTheme } from './state/theme.js';
import type { TimelineRow } from './state/timeline-rows.js';
import { pendingRows, timelineRows } from './state/timeline-rows.js';
import type { LayoutLine, ScrollAnchor } from './state/timeline-layout.js';
import { anchorAt, anchoredOffset, layoutTimelineTail, viewport } from './state/timeline-layout.js';
import { columns } from './state/styled-wrap.js';
import type { ChatDeps } from './use-chat.js';
import { useChat } from './use-chat.js';
import { useMessageActions } from './use-message-actions.js';
import type { SearchScope } from '../../shared/search/search-options.js';

/** How long a switcher pick made before the room list came waits, once the list is here, for a match (a DM's name comes a moment later), in ms. */
const PICK_GRACE_MS = 2_000;

/**
 * Keys kept while a room pick waited, as one paste of their text (an Enter is a line break) for a
 * composer that did not ask for them: nothing is sent, nothing lost. Null when they hold no text.
 */
function keptText(keys: readonly Key[]): Key | null {
  const text = keys.flatMap((k) => (k.kind === 'text' || k.kind === 'paste' ? [k.text] : k.kind === 'key' && (k.name === 'return' || k.name === 'linefeed') ? ['\n'] : [])).join('');
  return text.trim() === '' ? null : { kind: 'paste', text };
}

/** What a message typed with no room shown is refused with (its text stays in the composer). */
const NO_ROOM_NOTE = 'join or create a room first: /join <room>, /create <room>';
/** The same while the room list has not come yet: the user may well have rooms. */
const LOADING_NOTE = 'your rooms are still loading: nothing was sent, and your text stays here';
/** Added to a removal's note when the room had unsent text: it is in the composer's history. */
const UNSENT_NOTE = 'your unsent text is one ↑ away';
/** How many texts the composer's history (↑) holds: the last sent, and unsent ones kept from rooms removed from. */
const HISTORY_SIZE = 50;
/**
 * The longest (ms) the keys typed after a command that shows another room when the server answers
 * (/join, /create, /dm) wait for that room: a burst such as `/join ops⏎hello⏎` is meant for it. A
 * slower answer lets them go to the room still shown, where the user sees them land.
 */
const SWITCH_COMMAND_HOLD_MS = 1000;
/** The commands that show another room once the server answers. */
const SWITCH_COMMANDS: ReadonlySet<string> = new Set(['join', 'create', 'dm']);

/**
 * Ink's render options for the chat screen (run-tui and the composer-latency bench use the same):
 * frames at most 120 a second, so a key typed just after a frame (one that showed opened messages, say)
 * waits at most ~9 ms for its own, not Ink's default ~33 ms. Ink draws only when React commits, so the
 * cap costs nothing while nothing changes; at 60 the composer bench's median key took ~20 ms on a quiet
 * machine, at 120 ~5–7 ms.
 */
export const TUI_RENDER_OPTIONS = { maxFps: 120 } as const;

/** A key-change notice in the status bar's words. */
function noticeText(n: KeyChangeNotice): string {
  switch (n.kind) {
    case 'changed':
      return `WARNING: ${n.username}'s identity changed — /verify ${n.username}`;
    case 'unapproved':
      return `⚠ ${n.username}: ${n.devices} unapproved device${n.devices === 1 ? '' : 's'}, given no keys`;
    case 'identity':
    case 'upgrade':
      return `⚠ ${describeKeyChange(n)}`;
    default: {
      const unreachable: never = n;
      throw new Error(`unhandled notice ${JSON.stringify(unreachable)}`);
    }
  }
}

export interface AppProps {
  readonly deps: ChatDeps;
  readonly server: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly theme: ThemeChoice;
  readonly saveTheme: (choice: ThemeChoice) => void;
}

/**
 * The room list's width in columns: 24, narrower below 70 columns (a third of the screen, at least
 * 10), and 0 when hidden (Ctrl+G).
 */
export function sidebarWidth(columns: number, shown: boolean): number {
  if (!shown) return 0;
  return columns >= 70 ? 24 : Math.max(10, Math.floor(columns / 3));
}

/**
 * The interactive client: rooms on the left, the timeline in the centre, the composer below. Every
 * key reaches it through one keypress tokenizer (see KeyInputProvider).
 */
export function App(props: AppProps) {
  return (
    <KeyInputProvider>
      <ChatScreen {...props} />
    </KeyInputProvider>
  );
}

function ChatScreen({ deps, server, env, theme: initialTheme, saveTheme }: AppProps) {
  const chat = useChat(deps);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [size, setSize] = useState({ columns: stdout.columns || 100, rows: stdout.rows || 30 });
  const [selected, setSelected] = useState<string | null>(null);
  /**
   * How far the timeline is scrolled back: rows from the bottom (0: following the newest), and, once
   * a scrolled-back view has been drawn, the row on its top line (see ScrollAnchor). While there is an
   * anchor it decides the offset, so messages that come, change or go below, and a resize, leave the
   * rows on screen where they are; a scroll key drops it, and the next frame takes a new one.
   */
  const [scroll, setScrollState] = useState<{ readonly offset: number; readonly anchor: ScrollAnchor | null }>({ offset: 0, anchor: null });
  /** The offset the last frame showed (the anchor's, while there is one). */
  const shownOffset = useRef(0);
  /** Scrolls to an offset, or by a function of the offset shown, dropping the anchor. */
  const setScroll = (to: number | ((offset: number) => number)) =>
    setScrollState((s) => ({ offset: typeof to === 'number' ? to : to(s.anchor ? shownOffset.current : s.offset), anchor: null }));
  const [note, setNote] = useState<string | null>(null);
  const [sent, setSent] = useState<string[]>([]);
  const [themeChoice, setThemeChoice] = useState(initialTheme);
  const [now, setNow] = useState(deps.now());
  /**
   * The Ctrl+K room switcher's query, or null when closed. Kept in a ref and changed synchronously:
   * keys typed right after Ctrl+K may arrive before React re-renders, and must reach the switcher.
   */
  const switcherRef = useRef<string | null>(null);
  const [, redraw] = useState(0);
  const setSwitcher = (update: string | null | ((q: string | null) => string | null)) => {
    switcherRef.current = typeof update === 'function' ? update(switcherRef.current) : update;
    redraw((n) => n + 1);
  };
  const switcher = switcherRef.current;
  /** The search or summary panel, or null; in a ref for the same reason as the switcher. */
  const panelRef = useRef<Panel | null>(null);
  const setPanel = (update: Panel | null | ((p: Panel | null) => Panel | null)) => {
    const before = panelRef.current;
    panelRef.current = typeof update === 'function' ? update(panelRef.current) : update;
    // The directory's key hint leaves the status line with the directory, however it closed.
    if (before?.kind === 'directory' && panelRef.current?.kind !== 'directory') setNote((n) => (n === DIRECTORY_HINT ? null : n));
    redraw((n) => n + 1);
  };
  const panel = panelRef.current;
  /** The message a search result jumped to: highlighted, and scrolled into view once. */
  const [focus, setFocus] = useState<{ roomId: string; eventId: string; placed: boolean; match?: string | null; where: string; query?: string } | null>(null);
  /**
   * The message a search result jumped to, whose words matching the search's `query` are marked in
   * the timeline (as the panel's snippet marked them), while the selection stays as the jump left it
   * (`selection`: the message, or null when it could not be selected) in its room.
   */
  const [marked, setMarked] = useState<{ roomId: string; eventId: string; query: string; selection: string | null } | null>(null);
  /** Whether the terminal has focus (it says so when focus reporting is on; assume yes until then). */
  const focused = useRef(true);
  /** Whether the room list shows (Ctrl+G or F2 toggles it), and the composer's height in rows. */
  const [roomsShown, setRoomsShown] = useState(true);
  const [composerHeight, setComposerHeight] = useState(3);
  const onComposerHeight = useCallback((rows: number) => setComposerHeight(rows), []);
  /** The rows the device approval prompt takes (0 when it shows nothing). */
  const [promptHeight, setPromptHeight] = useState(0);
  const onPromptHeight = useCallback((rows: number) => setPromptHeight(rows), []);
  const { devices } = deps;
  useEffect(() => {
    if (!devices) return;
    devices.start().catch(() => undefined);
    return () => devices.stop();
  }, [devices]);
  // Approved by another device that sent the key backup's key: the earlier private messages open now.
  const reopen = useRef(() => chat.reopen());
  reopen.current = () => chat.reopen();
  useEffect(() => devices?.onHistoryRestored?.(() => reopen.current()), [devices]);
  /** Lets the message actions put text into the composer (a message to edit). */
  const composerControl = useRef<ComposerControl | null>(null);
  /** The current room's members' names, for Tab after `@`. */
  const [memberNames, setMemberNames] = useState<readonly string[]>([]);


  const theme = resolveTheme(themeChoice, env);
  const me = deps.session.user;

  // A mention or a direct message while the terminal is not focused: a bell and an OSC 9 notice.
  useEffect(
    () =>
      // The model decides (mentions outside code, in the text as read here: private rooms too).
      chat.onNotice(({ event, dm }) => {
        if (focused.current) return;
        const r = chat.rooms.find((x) => x.id === event.roomId);
        const where = dm ? `@${event.sender.username}` : `#${r?.name ?? 'a room'}`;
        stdout.write(`\u0007\u001b]9;${neutralize(`${event.sender.username} in ${where}`)}\u0007`);
      }),
    [chat, stdout],
  );

  /**
   * The removal the status line tells of (`text`), until another room shows: it stays while the room
   * shown in place of the one removed from (`fallback`: not yet shown) is, and goes with the next
   * room shown (a switch, or the room rejoined, here or on another device), as a room switch clears
   * the status line.
   */
  const removalNote = useRef<{ readonly text: string; fallback: boolean } | null>(null);
  /** The id of the room shown (set while rendering), for the removal listener. */
  const shownRoomId = useRef<string | undefined>(undefined);

  useEffect(() => {
    const onResize = () => setSize({ columns: stdout.columns, rows: stdout.rows });
    stdout.on('resize', onResize);
    const tick = setInterval(() => setNow(deps.now()), 1000);
    return () => {
      stdout.off('resize', onResize);
      clearInterval(tick);
    };
  }, [stdout, deps]);

  /** Each room's draft: the app's own, kept on disk, or one in memory. */
  const drafts = useMemo(() => deps.drafts ?? DraftBook.inMemory(deps.now), [deps.drafts, deps.now]);
  // Removed from a room by its owner: the room leaves the list, and the status bar says why. Text
  // being typed there would go with the room's draft; it goes to the composer's history instead,
  // one ↑ away, and not into the next room's composer, where Enter would send it to other people.
  useEffect(
    () =>
      chat.onRemoved((removal) => {
        const unsent = drafts.get(removal.roomId)?.text ?? '';
        if (unsent.trim() !== '') setSent((s) => [...s.slice(-(HISTORY_SIZE - 1)), unsent]);
        const said = removalText(removal, titleOf({ id: removal.roomId, name: removal.roomName, visibility: removal.visibility }));
        const text = neutralize(unsent.trim() === '' ? said : `${said}; ${UNSENT_NOTE}`);
        removalNote.current = { text, fallback: removal.roomId === shownRoomId.current };
        setNote(text);
      }),
    [chat, drafts],
  );
  /** The room shown before nothing is chosen: the one shown last (kept with the drafts, across a restart) if this user is still in it, else the first. */
  const firstRoom = chat.rooms.find((r) => r.id === drafts.lastRoom()) ?? chat.rooms[0];
  const room = chat.rooms.find((r) => r.id === selected) ?? firstRoom;
  useEffect(() => {
    if (room) drafts.setLastRoom(room.id);
  }, [room?.id, drafts]);
  // The drafts of rooms this user is no longer in go (once the room list is known).
  useEffect(() => {
    if (chat.rooms.length > 0) drafts.keepOnly(new Set(chat.rooms.map((r) => r.id)));
  }, [chat.rooms, drafts]);
  /**
   * Shows another room: what the status line said was about the room left (a command's answer, a
   * key change), so it goes; the keys after this one wait until the room shows.
   */
  const holdKeys = useKeyHold();
  /** Lets the keys held by a room switch go, once the room shows. */
  const releaseKeys = useRef<(() => void) | null>(null);
  const showRoom = (id: string) => {
    if (id !== room?.id) {
      setNote(null);
      // What follows in the same burst (Ctrl+N, then text, Enter) is for the room shown next.
      releaseKeys.current?.();
      releaseKeys.current = holdKeys();
    }
    setSelected(id);
  };
  useEffect(() => {
    releaseKeys.current?.();
    releaseKeys.current = null;
    // A message refused for want of a room is answered once a room shows (a /join, an invite, the list).
    if (room) setNote((n) => (n === NO_ROOM_NOTE || n === LOADING_NOTE ? null : n));
  }, [room?.id]);
  shownRoomId.current = room?.id;
  useEffect(() => {
    const removal = removalNote.current;
    if (!removal) return;
    if (removal.fallback) {
      removal.fallback = false;
      return;
    }
    removalNote.current = null;
    setNote((n) => (n === removal.text ? null : n));
  }, [room?.id]);
  useEffect(() => {
    if (!selected && firstRoom) setSelected(firstRoom.id);
  }, [selected, firstRoom]);

  // Opening a private room tells about its members' key changes (a device the server added would show here).
  useEffect(() => {
    if (!room || room.visibility !== 'private') return;
    let current = true;
    keyChangeNotices(deps.e2e, room.id, () => deps.api.members(room.id)).then(
      (notices) => {
        if (current && notices.length > 0) setNote(notices.map(noticeText).join('  ·  '));
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [room?.id, room?.visibility, deps]);

  const state = room ? chat.timelines.get(room.id) : undefined;
  /**
   * A room as this app names it everywhere (the header, a summary, a search hit): `@peer` for a direct
   * message (or "a direct message" while its peer is not known: never its stored `dm-…` name, see
   * roomTitle), `⚿ name` for another private room, `#name` for an open one. Not neutralized.
   */
  const titleOf = (r: Pick<Room, 'id' | 'name' | 'visibility'>): string =>
    isDirectMessage(r) || isDirectMessageName(r.name) ? roomTitle(r, chat.peers.get(r.id)?.username) : `${r.visibility === 'private' ? '⚿ ' : '#'}${r.name}`;
  /** The visibility of every room listed since the app started, so a room left since is still named with its mark. */
  const seenVisibility = useRef(new Map<string, Room['visibility']>());
  for (const r of chat.rooms) seenVisibility.current.set(r.id, r.visibility);
  /** A search hit's room, named so (a room never listed here by the hit's name: `#name`, or a direct message's peer). */
  const hitRoom = (hit: SearchHit): string =>
    titleOf({ id: hit.roomId, name: hit.roomName, visibility: seenVisibility.current.get(hit.roomId) ?? (isDirectMessageName(hit.roomName) ? 'private' : 'open') });
  const title = !room ? (chat.loaded ? 'No room' : 'Loading your rooms…') : neutralize(titleOf(room));
  // Following the bottom marks what is seen as read.
  useEffect(() => {
    if (room && scroll.offset === 0 && !scroll.anchor) chat.markRoomRead(room.id);
  }, [room, scroll, state?.events.length, chat]);

  // Relations (edits, deletes, reactions, replies) fold into the messages they name; private ones
  // through what decrypting gave (the relation's type and target are in clear).
  const relations = useMemo(() => {
    if (!state) return null;
    const contentOf = (e: RoomEvent): string | null => {
      if (!e.envelope) return e.body;
      const o = chat.opened.get(e.id);
      return o?.status === 'ok' ? o.body : null;
    };
    // This user's edits, reactions and deletes still in the outbox show on their messages, marked pending.
    return applyRelations(state.events, me.id, contentOf, chat.pending.filter((p) => p.roomId === state.roomId), chat.quoted);
  }, [state, chat.opened, chat.pending, chat.quoted, me.id]);

  const textOf = (row: Extract<TimelineRow, { kind: 'event' }>): string => {
    const e = row.event;
    if (row.view && row.view.text !== null) return row.view.text;
    // An edit that did not open: the original text is no longer the message's text.
    const unopened = row.view ? unopenedEditNotice(row.view, !e.envelope || chat.opened.get(e.id)?.status === 'ok') : null;
    if (unopened !== null) return `[${unopened}]`;
    if (!e.envelope) return e.body ?? '';
    return noticeOf(e.id);
  };
  // A private message's text as opening it gave it, or why there is none (a reply's quote of it says the same).
  const noticeOf = (eventId: string): string => {
    const o = chat.opened.get(eventId);
    // Plain ASCII on purpose: while a history opens, most rows on screen say this, and Ink measures
    // every row's text on every frame, a key's included (string-width segments any non-ASCII text).
    if (!o) return '[decrypting...]';
    return o.status === 'ok' ? o.body : `[${openedNotice(o)}]`;
  };

  // The names Tab offers after `@`: the room's members and whoever spoke in what is loaded.
  useEffect(() => {
    if (!room) return;
    let current = true;
    deps.api.members(room.id).then(
      (members) => {
        if (current) setMemberNames(members.map((m) => m.user.username));
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [room?.id, deps]);
  const completionUsers = useMemo(
    () => [...new Set([...memberNames, ...(state?.events ?? []).map((e) => e.sender.username)])].filter((n) => n !== me.username),
    [memberNames, state?.events, me.username],
  );

  const rows = useMemo(
    () => [
      ...(state ? timelineRows(state.events, { readSeq: state.readSeq, now, ...(relations ? { views: relations.byId } : {}) }) : []),
      ...pendingRows(chat.pending.filter((p) => p.roomId === room?.id && !relations?.folded.has(p.clientMsgId))),
    ],
    [state, now, chat.pending, room?.id, relations],
  );
  const eventsById = useMemo(() => new Map((state?.events ?? []).map((e) => [e.id, e])), [state?.events]);
  const selectable = useMemo(() => selectableIds(rows), [rows]);
  const roomPending = useMemo(() => chat.pending.filter((p) => p.roomId === room?.id), [chat.pending, room?.id]);
  const actions = useMessageActions({
    chat,
    room,
    me,
    views: relations?.byId,
    ids: selectable,
    eventOf: (id) => eventsById.get(id),
    composer: composerControl,
    setNote,
    pending: roomPending,
    followNewest: () => setScroll(0),
    drafts,
    loaded: state !== undefined,
    loadUntil: chat.loadUntil,
  });

  const sidebar = sidebarWidth(size.columns, roomsShown);
  const timelineWidth = Math.max(20, size.columns - sidebar - 2);
  const noteLines = note ? Math.ceil(columns(note) / Math.max(1, size.columns)) : 0;
  const switcherLines = switcher === null ? 0 : 3 + Math.min(8, Math.max(1, chat.rooms.length));
  const panelLines = Math.max(2, Math.floor((size.rows - 10) / 2));
  const promptLines = actions.prompt ? actionPromptHeight(actions.prompt) : 0;
  const timelineHeight = Math.max(3, size.rows - 4 - composerHeight - promptHeight - noteLines - switcherLines - promptLines - (panel ? panelHeight(panel, panelLines, size.columns) : 0));
  /** Each row's layout, kept between renders (keyed by width, row and text) so a new message lays out one row. */
  const layoutCache = useMemo(() => new LRUCache<string, LayoutLine[]>({ max: 5000 }), []);
  // A search hit on an edit, reaction or delete points at the message it names (that one has the row).
  const focusEvent = focus ? state?.events.find((e) => e.id === focus.eventId) : undefined;
  const focusId = focusEvent?.relation && !isOwnMessage(focusEvent) ? focusEvent.relation.eventId : focus?.eventId;
  const highlightId = actions.selection?.id ?? (focus?.roomId === room?.id ? focusId : undefined);
  // Only the newest rows are laid out: those the viewport shows and at least as many again above
  // (see layoutTimelineTail), counted in whole screens so a scroll within a screen lays out nothing
  // new, and up to a message that must be scrolled into view (the selection, a search result's).
  // The scroll anchor's row too: rows that came below it since push it further up than `scroll.offset`.
  const tailLines = (Math.ceil(Math.max(scroll.offset, shownOffset.current) / timelineHeight) + 2) * timelineHeight;
  const tailThrough = [
    ...(actions.selection ? [`e:${actions.selection.id}`] : focus && !focus.placed ? [`e:${focusId ?? focus.eventId}`] : []),
    ...(scroll.anchor ? [scroll.anchor.key] : []),
  ];
  const tailKey = tailThrough.join('\u0000');
  // Laid out again only when what it shows changed (a publish of opened messages, a resize), not on
  // every render of this screen (the clock's tick, a note); unchanged rows come from the cache.
  // Positions in it count from its first row; the viewport and scrolling count from the bottom.
  const mark = marked && marked.roomId === room?.id ? { eventId: marked.eventId, query: marked.query } : undefined;
  const layout = useMemo(
    () => layoutTimelineTail(rows, { width: timelineWidth, textOf, noticeOf, me: me.username, highlightId, mark }, tailLines, layoutCache, tailThrough),
    // textOf and noticeOf read chat.opened; rows carry the events and their views; tailKey is tailThrough; mark is marked's.
    [rows, timelineWidth, chat.opened, me.username, highlightId, layoutCache, tailLines, tailKey, mark?.eventId, mark?.query],
  );
  const anchored = scroll.anchor ? anchoredOffset(layout, scroll.anchor, timelineHeight) : undefined;
  const view = viewport(layout.lines.length, timelineHeight, anchored ?? scroll.offset);
  shownOffset.current = view.offset;
  // How far up the keys may scroll: the top is known only once every row is laid out and the room's
  // first page is loaded. Until then a scroll is not held back (several PgUp in one burst go as far as
  // they ask; the next render lays out that far, and the view's reaching the loaded top loads the page
  // above, which then shows the rest of the way), and a scroll past the top, found when the layout
  // reaches the room's start, is brought back to it. Clamped to the loaded top, the PgUp that sets
  // off a load would move less than a page.
  const topKnown = layout.complete && state?.hasOlder !== true;
  const maxScroll = topKnown ? view.maxOffset : Number.MAX_SAFE_INTEGER;
  useEffect(() => {
    // Only the state this frame was drawn from is replaced: a key or another effect may have moved it since.
    const replace = (next: { offset: number; anchor: ScrollAnchor | null }) => setScrollState((s) => (s === scroll ? next : s));
    if (scroll.anchor) {
      // Its row is gone (a message sent is stored, say): a new anchor next frame. Back within the last screen: following.
      if (anchored === undefined || anchored === 0) replace({ offset: view.offset, anchor: null });
    } else if (topKnown && scroll.offset > view.maxOffset) replace({ offset: view.maxOffset, anchor: null });
    else if (view.offset > 0 && view.offset === scroll.offset) {
      const anchor = anchorAt(layout, view.start);
      if (anchor) replace({ offset: view.offset, anchor });
    }
  }, [layout, scroll, anchored, view.offset, view.start, view.maxOffset, topKnown]);
  // The same array while the rows shown are, so the (memoized) timeline is not rendered again.
  const shownLines = useMemo(() => layout.lines.slice(view.start, view.end), [layout, view.start, view.end]);

  // A jump from a search result: once its message is loaded, scroll it (its matched row) to the middle.
  useEffect(() => {
    if (!focus || focus.placed || room?.id !== focus.roomId) return;
    const key = `e:${focusId ?? focus.eventId}`;
    const start = layout.startOf.get(key);
    if (start === undefined) return;
    // In a tall message, the row that shows the matched words rather than the message's top.
    const at = focus.match ? matchedRow(layout.lines, start, key, focus.match) : start;
    setScroll(Math.max(0, layout.lines.length - at - Math.floor(timelineHeight / 2)));
    // Selected, as with Ctrl+↑: the ▶ mark means e, d, r and + act on it. The selection then draws the
    // mark, and it goes when the selection ends (Esc, an edit saved); the focus keeps it only for a
    // message the selection cannot take.
    const selected = actions.selectId(focusId ?? focus.eventId);
    setFocus(selected ? null : { ...focus, placed: true });
    if (focus.query !== undefined) setMarked({ roomId: focus.roomId, eventId: focusId ?? focus.eventId, query: focus.query, selection: selected ? (focusId ?? focus.eventId) : null });
    setNote(`${focus.where}${selected ? ' · e/d/r/+ act on it' : ''} · Alt+End back to the newest`);
  });

  // The matched words stay marked until the selection moves (↑/↓, Esc, another message chosen) or another room shows.
  useEffect(() => {
    if (marked && ((actions.selection?.id ?? null) !== marked.selection || room?.id !== marked.roomId)) setMarked(null);
  });

  // A selected message is brought into view when the selection moves to it (↑/↓, Ctrl+↑, a search
  // jump): the timeline scrolls as little as it takes. Only then: PgUp/PgDn and the wheel scroll away
  // from it freely while it stays selected. Set once the message was laid out and placed.
  const keptInView = useRef<string | null>(null);
  useEffect(() => {
    const id = actions.selection?.id ?? null;
    if (id === keptInView.current) return;
    if (!id) {
      keptInView.current = null;
      return;
    }
    const key = `e:${id}`;
    const i = rows.findIndex((r) => r.key === key);
    const start = layout.startOf.get(key);
    if (i < 0 || start === undefined) return;
    const next = rows[i + 1];
    const end = (next ? layout.startOf.get(next.key) : undefined) ?? layout.lines.length;
    const want = scrollToShow(layout.lines.length, timelineHeight, view.offset, start, end);
    keptInView.current = id;
    if (want !== view.offset) setScroll(want);
  });

  // Scrolled to the top: fetch the page before it.
  useEffect(() => {
    if (room && view.offset > 0 && view.atTop) void chat.loadOlder(room.id);
  }, [room, view.offset, view.atTop, chat]);

  const items: RoomItem[] = chat.rooms.map((r) => {
    const unread = chat.unread.get(r.id);
    const dm = isDirectMessage(r);
    const peer = chat.peers.get(r.id);
    return {
      id: r.id,
      // A DM whose peer is not known (left, or not read yet) is "a direct message", never its `dm-…` name.
      label: dm ? (peer?.username ?? roomTitle(r, null)) : r.name,
      ...(dm && peer ? { online: peer.online } : {}),
      private: r.visibility === 'private',
      dm,
      unread: unread?.count ?? 0,
      mentions: unread?.mentions ?? 0,
    };
  });

  const move = (delta: number) => {
    if (chat.rooms.length === 0) return;
    const i = Math.max(0, chat.rooms.findIndex((r) => r.id === room?.id));
    const next = chat.rooms[(i + delta + chat.rooms.length) % chat.rooms.length];
    if (next) {
      showRoom(next.id);
      setScroll(0);
    }
  };

  // A room may be asked for as it is written elsewhere: "#general", "@bob".
  const matchesFor = (query: string | null) => (query === null ? [] : fuzzyFilter(query.replace(/^\s*[#@]/, ''), items, (i) => i.label).slice(0, 8));
  const matches = matchesFor(switcher);
  /** Shows the switcher's best match and closes it; false when nothing matches (it stays open). */
  const pickFromSwitcher = (): boolean => {
    const pick = matchesFor(switcherRef.current)[0];
    if (!pick) return false;
    showRoom(pick.id);
    setScroll(0);
    setSwitcher(null);
    return true;
  };
  /**
   * Set by an Enter in the switcher before the room list first came (Ctrl+K, a name and Enter typed
   * right after start): the pick is made once the list is here, as if Enter came then, and the keys
   * typed after that Enter (`after`) are kept and handed on once the room shows. A DM's name comes a
   * moment after the list, so a pick that matches nothing yet waits PICK_GRACE_MS more.
   */
  const pickOnLoad = useRef<{ after: Key[]; givingUp: boolean } | null>(null);
  const replayKeys = useKeyReplay();
  /** Ends a waiting pick: picked, or (none matched) its kept keys go to the composer as text, nothing sent. */
  const endWaitingPick = (picked: boolean) => {
    const waiting = pickOnLoad.current;
    if (!waiting) return;
    pickOnLoad.current = null;
    if (picked) {
      replayKeys(waiting.after);
      return;
    }
    const text = keptText(waiting.after);
    if (text === null) return;
    setNote(`no room matches "${neutralize(switcherRef.current ?? '')}": what you typed after it is in the composer, not sent`);
    setSwitcher(null);
    replayKeys([text]);
  };
  useEffect(() => {
    const waiting = pickOnLoad.current;
    if (!waiting || !chat.loaded) return;
    if (switcherRef.current === null) return void (pickOnLoad.current = null);
    if (pickFromSwitcher()) return endWaitingPick(true);
    if (!waiting.givingUp) {
      waiting.givingUp = true;
      setTimeout(() => {
        if (pickOnLoad.current === waiting) endWaitingPick(pickFromSwitcher());
      }, PICK_GRACE_MS);
    }
  });
  /**
   * The app's keys, asked before the composer's: the terminal's reports, Ctrl+C, the open panel or
   * room switcher (which take every key while open), then the global keys. Answers whether it used
   * the key. What it reads lives in refs, as keys of one chunk come before the next render.
   */
  const onKey = (key: Key): boolean => {
    if (key.kind === 'focus') {
      focused.current = key.focused;
      return true;
    }
    if (key.kind === 'mouse') {
      if (key.button === 64) setScroll((s) => Math.min(maxScroll, s + 3));
      if (key.button === 65) setScroll((s) => Math.max(0, s - 3));
      return true;
    }
    if (isKey(key, 'c', { ctrl: true })) {
      exit();
      return true;
    }
    const open = panelRef.current;
    if (open !== null) {
      if (key.kind !== 'key') return true;
      if (key.name === 'escape') setPanel(null);
      else if (open.kind === 'search') {
        if (key.name === 'up') setPanel({ ...open, selected: Math.max(0, open.selected - 1) });
        else if (key.name === 'down') setPanel({ ...open, selected: Math.min(open.hits.length - 1, open.selected + 1) });
        else if (key.name === 'return') {
          const hit = open.hits[open.selected];
          if (hit) jumpTo(hit, open.query);
        }
      } else if (open.kind === 'directory') {
        if (key.name === 'up') setPanel({ ...open, selected: Math.max(0, open.selected - 1) });
        else if (key.name === 'down') setPanel({ ...open, selected: Math.min(open.rooms.length - 1, open.selected + 1) });
        else if (key.name === 'return') {
          const pick = open.rooms[open.selected];
          if (pick) joinFromDirectory(pick);
        }
      } else if (key.name === 'up') setPanel({ ...open, scroll: Math.max(0, open.scroll - 1) });
      else if (key.name === 'down') setPanel({ ...open, scroll: Math.min(Math.max(0, wrapLines(open.text, Math.max(10, size.columns - 4)).length - panelLines), open.scroll + 1) });
      return true;
    }
    if (switcherRef.current !== null && pickOnLoad.current !== null) {
      // A pick waits for the room list: Esc (or Ctrl+K) gives it up; other keys wait for the room it picks.
      if (key.kind === 'key' && (key.name === 'escape' || isKey(key, 'k', { ctrl: true }))) {
        const kept = keptText(pickOnLoad.current.after);
        pickOnLoad.current = null;
        setSwitcher(null);
        if (kept) replayKeys([kept]);
      } else pickOnLoad.current.after.push(key);
      return true;
    }
    if (switcherRef.current !== null) {
      if (key.kind === 'text' || key.kind === 'paste') setSwitcher((q) => (q ?? '') + key.text.replace(/\s+/g, ' '));
      else if (key.kind !== 'key') return true;
      else if (key.name === 'escape' || isKey(key, 'k', { ctrl: true })) setSwitcher(null);
      // Ctrl+J too: an Enter typed before the terminal was put in raw mode (right after start) comes as one.
      else if (key.name === 'return' || key.name === 'linefeed') {
        // With no room matching, Enter keeps the switcher open ("no room matches"): what was typed after
        // it in the same burst must not reach the composer of the room still shown. Before the room
        // list has come (right after start), the pick waits for it.
        if (!pickFromSwitcher() && !chat.loaded) pickOnLoad.current = { after: [], givingUp: false };
        return true;
      } else if (key.name === 'backspace') setSwitcher((q) => [...(q ?? '')].slice(0, -1).join(''));
      return true;
    }
    // Selecting a message, its prompts, and Esc out of an edit or reply.
    if (actions.onKey(key)) return true;
    if (key.kind !== 'key') return false;
    if (isKey(key, 'k', { ctrl: true })) setSwitcher('');
    else if (isKey(key, 'g', { ctrl: true }) || isKey(key, 'f2')) setRoomsShown((shown) => !shown);
    else if (isKey(key, 'n', { ctrl: true }) || isKey(key, 'down', { meta: true })) move(1);
    else if (isKey(key, 'p', { ctrl: true }) || isKey(key, 'up', { meta: true })) move(-1);
    else if (key.name === 'pageup') setScroll((s) => Math.min(maxScroll, s + timelineHeight - 2));
    // From the loaded top at most: PgUp may have asked past it while an older page loads (see maxScroll).
    else if (key.name === 'pagedown') setScroll((s) => Math.max(0, Math.min(s, layout.complete ? view.maxOffset : s) - (timelineHeight - 2)));
    // Back to the newest: Ctrl+End or Alt+End (weechat's) always, End when the composer is empty (else End is the composer's).
    else if (isKey(key, 'end', { ctrl: true }) || isKey(key, 'end', { meta: true }) || (isKey(key, 'end') && composerControl.current?.isEmpty() !== false)) setScroll(0);
    else return false;
    return true;
  };
  useKeys(onKey, 1);
  // ↑ the composer did not use (nothing more to recall): into the timeline, to pick a message.
  useKeys((key) => isKey(key, 'up') && actions.select(), -1);

  /** Shows a search result in its room, among the messages around it, the words matching `query` marked. */
  const jumpTo = (hit: SearchHit, query: string) => {
    // A room left (or been removed from) since the search: nothing to show; the results stay to pick another.
    if (!chat.rooms.some((r) => r.id === hit.roomId)) {
      setNote(`you are no longer in ${hitRoom(hit)}: its messages cannot be shown`);
      return;
    }
    setPanel(null);
    setSelected(hit.roomId);
    // What the status line says once the message shows (and is selected).
    const where = `${hitRoom(hit)}, ${hit.sender.username} at ${new Date(hit.createdAt).toTimeString().slice(0, 5)}`;
    setMarked(null);
    setFocus({ roomId: hit.roomId, eventId: hit.eventId, placed: false, match: matchedWords(hit.snippet), where, query });
    void chat.loadUntil(hit.roomId, hit.seq).catch((error: unknown) => {
      // The message cannot be reached: the jump ends here, and does not happen later by surprise.
      setFocus((f) => (f?.eventId === hit.eventId ? null : f));
      setNote((error as Error).message);
    });
  };

  /**
   * Opens the results panel for `query`; a search refused or failed says why. `settled` is told the
   * outcome (true: refused or failed), once the status line shows it.
   */
  const openSearch = (query: string, scope: SearchScope = {}, settled?: (refused: boolean) => void) => {
    setPanel({ kind: 'search', query, status: 'searching', hits: [], selected: 0, note: null });
    deps.search(query, scope).then(
      (answer) => {
        // What brings the keys: on a device not verified yet, its own Ctrl+R; else the command line.
        const note = unsearchedNotice(answer, {
          approve: 'approve it from another of your devices',
          restore: answer.device === 'unapproved' ? 'enter your recovery key (Ctrl+R)' : 'restore your key backup (`chat keys restore`)',
        });
        setPanel((p) => (p?.kind === 'search' && p.query === query ? { ...p, status: 'done', hits: answer.hits, note } : p));
        setNote(null);
        settled?.(false);
      },
      (error: unknown) => {
        setPanel((p) => (p?.kind === 'search' && p.query === query ? null : p));
        setNote((error as Error).message);
        settled?.(true);
      },
    );
  };

  /** Opens the summary panel for `target`; a summary refused or failed says why. `settled` as for openSearch. */
  const openSummary = (target: Room, type: SummaryType, agree: boolean, settled?: (refused: boolean) => void) => {
    const title = `Summary of ${titleOf(target)} (${type})`;
    setPanel({ kind: 'summary', title, status: 'working', by: null, text: '', scroll: 0 });
    const mine = (p: Panel | null): p is Extract<Panel, { kind: 'summary' }> => p?.kind === 'summary' && p.title === title;
    deps
      .summarize(target, type, agree, (delta) => setPanel((p) => (mine(p) ? { ...p, text: p.text + delta } : p)))
      .then(
        (summary) => {
          const by = summary.provider.kind === 'offline' ? 'offline extractive summary' : `by ${summary.provider.model}`;
          const people = summary.participants.map((p) => `${p.username}: ${p.messages} message${p.messages === 1 ? '' : 's'} (${Math.round(p.share * 100)}%)${p.topics.length ? ` · ${p.topics.join(', ')}` : ''}`);
          const text = [summary.text, '', 'Participants:', ...people.map((l) => `  ${l}`), ...(summary.topics.length ? ['', `Topics: ${summary.topics.join(', ')}`] : [])].join('\n');
          setPanel((p) => (mine(p) ? { ...p, status: 'done', by, text } : p));
          setNote(null);
          settled?.(false);
        },
        (error: unknown) => {
          setPanel((p) => (mine(p) ? null : p));
          setNote((error as Error).message);
          settled?.(true);
        },
      );
  };

  const submit = (text: string) => {
    // Saving an edit or sending a reply: the text is the message's, slash and all.
    if (actions.submit(text)) return;
    const parsed = parseComposer(text);
    // A refused command (or a message with nowhere to go) says why, and its text comes back to the
    // composer to be corrected or sent later: nothing typed is lost to a refusal.
    const draftKey = room?.id ?? null;
    const refuse = (why: string) => {
      setNote(why);
      composerControl.current?.restore(text, draftKey);
    };
    const fail = (error: unknown) => refuse(plainErrorText(error));
    if (parsed.kind === 'error') return refuse(parsed.message);
    if (parsed.kind === 'command') {
      // A search or summary answers after the command: its outcome, once shown, is not covered by the
      // command's "searching…", and one refused or failed (a --room or --from that names nothing, a
      // provider that failed) gives the command's text back, as any refused command does.
      let settled = false;
      const settle = (refused: boolean) => {
        settled = true;
        if (refused) composerControl.current?.restore(text, draftKey);
      };
      // Keys typed after a command that will show another room wait for it (see SWITCH_COMMAND_HOLD_MS);
      // when it did show one, they go once it has rendered, with the hold the switch itself asked.
      const switchHold = SWITCH_COMMANDS.has(parsed.name) ? holdKeys(SWITCH_COMMAND_HOLD_MS) : null;
      const endSwitchHold = () => {
        if (!switchHold) return;
        const shown = releaseKeys.current;
        if (shown) {
          releaseKeys.current = () => {
            shown();
            switchHold();
          };
        } else switchHold();
      };
      void runSlash(parsed.name, parsed.args, parsed.rest, {
        api: deps.api,
        e2e: deps.e2e,
        room,
        title: titleOf,
        refreshRooms: chat.refreshRooms,
        select: (id) => showRoom(id),
        setTheme: (choice) => {
          setThemeChoice(choice);
          saveTheme(choice);
        },
        quit: () => exit(),
        openSearch: (query, scope) => openSearch(query, scope, settle),
        openSummary: (target, type, agree) => openSummary(target, type, agree, settle),
        openDirectory,
        openHelp: () => setPanel({ kind: 'summary', title: 'Help', status: 'done', by: null, text: helpText(room !== undefined && isDirectMessage(room)), scroll: 0 }),
        sendMessage: (target, body) => sendText(target, body),
        retryFailed: chat.retryFailed,
        discardFailed: chat.discardFailed,
        messageAction: actions.slash,
      }).then(
        (said) => {
          if (!settled) setNote(said);
          endSwitchHold();
        },
        (error: unknown) => {
          fail(error);
          endSwitchHold();
        },
      );
      return;
    }
    if (!room) return refuse(chat.loaded ? NO_ROOM_NOTE : LOADING_NOTE);
    setSent((s) => [...s.slice(-(HISTORY_SIZE - 1)), text]);
    sendText(room, parsed.text);
  };

  const sendText = (target: Room, body: string) => {
    setScroll(0);
    void chat.send(target, body).then(
      () => setNote(null),
      (error: unknown) => setNote(plainErrorText(error)),
    );
  };

  /** The open-room directory, fetched when /list opens it. */
  const openDirectory = () => {
    setPanel({ kind: 'directory', status: 'loading', rooms: [], selected: 0 });
    deps.api.directory({ limit: 200 }).then(
      ({ rooms }) => setPanel((p) => (p?.kind === 'directory' ? { ...p, status: 'done', rooms } : p)),
      (error: unknown) => {
        setPanel((p) => (p?.kind === 'directory' ? null : p));
        setNote((error as Error).message);
      },
    );
  };

  /** Enter on a room of the directory: joined (unless already), then shown. */
  const joinFromDirectory = (pick: Room) => {
    setPanel(null);
    const joined = pick.role !== null ? Promise.resolve(pick) : deps.api.join(pick.id).then((r) => r.room);
    joined.then(
      async (r) => {
        await chat.refreshRooms();
        setSelected(r.id);
        setScroll(0);
        setNote(`joined #${r.name}`);
      },
      (error: unknown) => setNote((error as Error).message),
    );
  };

  return (
    <Box flexDirection="column" width={size.columns} height={size.rows}>
      <Box flexGrow={1}>
        {sidebar > 0 && <RoomList rooms={items} loaded={chat.loaded} selectedId={room?.id ?? null} width={sidebar} theme={theme} />}
        <Box flexDirection="column" width={timelineWidth}>
          <Text bold wrap="truncate">
            {title}
            {/* Before the topic, so a long topic cannot push it out of the truncated line. */}
            {room?.topic && room.visibility === 'private' ? <Text color={theme.warn}>{` — ⚠ ${PRIVATE_TOPIC_TAG}`}</Text> : null}
            {room?.topic ? ` ${room.visibility === 'private' ? '' : '— '}${neutralize(room.topic)}` : ''}
          </Text>
          <Timeline lines={shownLines} width={timelineWidth} height={timelineHeight} theme={theme} scrolledBack={view.offset > 0} newBelow={room ? (chat.unread.get(room.id)?.count ?? 0) : 0} />
          <TypingLine text={state ? typingLine(state, now) : null} theme={theme} />
        </Box>
      </Box>
      {switcher !== null && (
        <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
          <Text>
            Go to room: {neutralize(switcher)}
            <Text inverse> </Text>
          </Text>
          {matches.length === 0 ? <Text color={theme.dim}>{chat.loaded ? 'no room matches' : 'loading your rooms…'}</Text> : matches.map((m, i) => <Text key={m.id} bold={i === 0}>{`${i === 0 ? '›' : ' '} ${roomMark(m)} ${neutralize(m.label)}`}</Text>)}
        </Box>
      )}
      {panel && <ResultsPanel panel={panel} theme={theme} maxLines={panelLines} width={size.columns} hitRoom={hitRoom} />}
      {devices && <DevicePrompt model={devices} theme={theme} width={size.columns} onHeight={onPromptHeight} onRestored={() => chat.reopen()} />}
      {actions.prompt && <ActionPrompt prompt={actions.prompt} text={relations?.byId.get(actions.prompt.target.id)?.text ?? ''} width={Math.max(4, size.columns - 4)} theme={theme} />}
      <Composer
        onSubmit={submit}
        width={Math.max(4, size.columns - 4)}
        maxRows={Math.max(1, Math.floor(size.rows / 3) - 2)}
        sources={{ commands: offeredCommands(room !== undefined && isDirectMessage(room)).map((c) => c.name), users: completionUsers, rooms: chat.rooms.filter((r) => !isDirectMessage(r)).map((r) => r.name) }}
        onHeight={onComposerHeight}
        control={composerControl}
        banner={actions.banner}
        onTyping={(active) => room && chat.typing(room, active)}
        history={sent}
        draftKey={room?.id ?? null}
        drafts={drafts}
        theme={theme}
        placeholder={room ? `Message ${title}  (/help · Ctrl+K rooms)` : chat.loaded ? 'Type /join <room> or /create <room>' : 'Loading your rooms… (/help · Ctrl+K rooms)'}
      />
      <StatusBar state={chat.connection} username={me.username} server={server} now={now} theme={theme} note={note} />
    </Box>
  );
}
