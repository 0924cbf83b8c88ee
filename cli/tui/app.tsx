import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { describeKeyChange, keyChangeNotices, mentions, openedNotice, typingLine } from '../../shared/client/index.js';
import type { KeyChangeNotice } from '../../shared/client/index.js';
import { ChatError, isDirectMessage } from '../../shared/protocol/index.js';
import type { Room, SearchHit, SummaryType } from '../../shared/protocol/index.js';
import { neutralize, neutralizeLines } from '../../shared/text/neutralize.js';
import { PRIVATE_TOPIC_TAG } from '../../shared/text/private-topic-note.js';
import { Composer, TERMINAL_REPORT } from './components/composer.js';
import type { RoomItem } from './components/room-list.js';
import { RoomList } from './components/room-list.js';
import type { Panel } from './components/results-panel.js';
import { panelHeight, ResultsPanel, wrapLines } from './components/results-panel.js';
import { StatusBar } from './components/status-bar.js';
import { Timeline } from './components/timeline.js';
import { TypingLine } from './components/typing-line.js';
import { runSlash } from './slash-actions.js';
import { fuzzyFilter } from './state/fuzzy.js';
import { parseComposer } from './state/slash-commands.js';
import type { ThemeChoice } from './state/theme.js';
import { resolveTheme } from './state/theme.js';
import type { TimelineRow } from './state/timeline-rows.js';
import { pendingLabel, pendingRows, timelineRows, visibleRows } from './state/timeline-rows.js';
import type { ChatDeps } from './use-chat.js';
import { useChat } from './use-chat.js';

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

const SIDEBAR = 24;

/** The interactive client: rooms on the left, the timeline in the centre, the composer below. */
export function App({ deps, server, env, theme: initialTheme, saveTheme }: AppProps) {
  const chat = useChat(deps);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [size, setSize] = useState({ columns: stdout.columns || 100, rows: stdout.rows || 30 });
  const [selected, setSelected] = useState<string | null>(null);
  const [scroll, setScroll] = useState(0);
  const [note, setNote] = useState<string | null>(null);
  const [sent, setSent] = useState<string[]>([]);
  const [themeChoice, setThemeChoice] = useState(initialTheme);
  const [now, setNow] = useState(deps.now());
  /**
   * The Ctrl+K room switcher's query, or null when closed. Kept in a ref and changed synchronously:
   * keys typed right after Ctrl+K may arrive before React re-renders, and must reach the switcher.
   */
  const switcherRef = useRef<string | null>(null);
  const composerActive = useRef(true);
  const [, redraw] = useState(0);
  const setSwitcher = (update: string | null | ((q: string | null) => string | null)) => {
    switcherRef.current = typeof update === 'function' ? update(switcherRef.current) : update;
    composerActive.current = switcherRef.current === null && panelRef.current === null;
    redraw((n) => n + 1);
  };
  const switcher = switcherRef.current;
  /** The search or summary panel, or null; in a ref for the same reason as the switcher. */
  const panelRef = useRef<Panel | null>(null);
  const setPanel = (update: Panel | null | ((p: Panel | null) => Panel | null)) => {
    panelRef.current = typeof update === 'function' ? update(panelRef.current) : update;
    composerActive.current = switcherRef.current === null && panelRef.current === null;
    redraw((n) => n + 1);
  };
  const panel = panelRef.current;
  /** The message a search result jumped to: highlighted, and scrolled into view once. */
  const [focus, setFocus] = useState<{ roomId: string; eventId: string; placed: boolean } | null>(null);
  /** Whether the terminal has focus (it says so when focus reporting is on; assume yes until then). */
  const focused = useRef(true);


  const theme = resolveTheme(themeChoice, env);
  const me = deps.session.user;

  // A mention or a direct message while the terminal is not focused: a bell and an OSC 9 notice.
  useEffect(
    () =>
      deps.live.on('event', (event) => {
        if (focused.current || event.kind !== 'message' || event.sender.id === me.id) return;
        const r = chat.rooms.find((x) => x.id === event.roomId);
        const dm = r ? isDirectMessage(r) : false;
        const mention = event.body !== null && mentions(event.body, me.username);
        if (!dm && !mention) return;
        const where = dm ? `@${event.sender.username}` : `#${r?.name ?? 'a room'}`;
        stdout.write(`\u0007\u001b]9;${neutralize(`${event.sender.username} in ${where}`)}\u0007`);
      }),
    [deps.live, chat.rooms, me, stdout],
  );

  useEffect(() => {
    const onResize = () => setSize({ columns: stdout.columns, rows: stdout.rows });
    stdout.on('resize', onResize);
    const tick = setInterval(() => setNow(deps.now()), 1000);
    return () => {
      stdout.off('resize', onResize);
      clearInterval(tick);
    };
  }, [stdout, deps]);

  const room = chat.rooms.find((r) => r.id === selected) ?? chat.rooms[0];
  useEffect(() => {
    if (!selected && chat.rooms[0]) setSelected(chat.rooms[0].id);
  }, [selected, chat.rooms]);

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
  const peer = room ? chat.peers.get(room.id) : undefined;
  const title = !room ? 'No room' : peer ? `@${neutralize(peer.username)}` : `${room.visibility === 'private' ? '⚿ ' : '#'}${neutralize(room.name)}`;
  // Following the bottom marks what is seen as read.
  useEffect(() => {
    if (room && scroll === 0) chat.markRoomRead(room.id);
  }, [room, scroll, state?.events.length, chat]);

  const textOf = (row: Extract<TimelineRow, { kind: 'event' }>): string => {
    const e = row.event;
    if (!e.envelope) return e.body ?? '';
    const o = chat.opened.get(e.id);
    if (!o) return '[decrypting…]';
    return o.status === 'ok' ? o.body : `[${openedNotice(o)}]`;
  };

  const timelineWidth = Math.max(20, size.columns - SIDEBAR - 2);
  const noteLines = note ? Math.ceil(note.length / Math.max(1, size.columns)) : 0;
  const switcherLines = switcher === null ? 0 : 3 + Math.min(8, Math.max(1, chat.rooms.length));
  const panelLines = Math.max(2, Math.floor((size.rows - 10) / 2));
  const timelineHeight = Math.max(3, size.rows - 7 - noteLines - switcherLines - (panel ? panelHeight(panel, panelLines) : 0));
  const rows = useMemo(
    () => [...(state ? timelineRows(state.events, { readSeq: state.readSeq, now }) : []), ...pendingRows(chat.pending.filter((p) => p.roomId === room?.id))],
    [state, now, chat.pending, room?.id],
  );
  const heightOf = (row: TimelineRow) =>
    // Measured as the timeline shows it: neutralized, continuation lines indented by 6.
    row.kind === 'event'
      ? neutralizeLines(textOf(row)).reduce((n, line, i) => n + Math.max(1, Math.ceil((line.length + (i === 0 ? row.event.sender.username.length + 8 : 6)) / timelineWidth)), 0)
      : row.kind === 'pending'
        ? neutralizeLines(`${row.message.text} ${pendingLabel(row.message)}`).reduce((n, line, i) => n + Math.max(1, Math.ceil((line.length + (i === 0 ? me.username.length + 8 : 6)) / timelineWidth)), 0)
        : 1;
  const visible = visibleRows(rows, heightOf, timelineHeight, scroll);

  // A jump from a search result: once its message is loaded, scroll it to the middle.
  useEffect(() => {
    if (!focus || focus.placed || room?.id !== focus.roomId) return;
    const at = rows.findIndex((r) => r.kind === 'event' && r.event.id === focus.eventId);
    if (at < 0) return;
    const below = rows.slice(at + 1).reduce((n, r) => n + heightOf(r), 0);
    setScroll(Math.max(0, below - Math.floor(timelineHeight / 2) + 1));
    setFocus({ ...focus, placed: true });
  });

  // Scrolled to the top: fetch the page before it.
  useEffect(() => {
    if (room && scroll > 0 && visible.atTop) void chat.loadOlder(room.id);
  }, [room, scroll, visible.atTop, chat]);

  const items: RoomItem[] = chat.rooms.map((r) => {
    const unread = chat.unread.get(r.id);
    const dm = isDirectMessage(r);
    const peer = chat.peers.get(r.id);
    return {
      id: r.id,
      label: dm && peer ? peer.username : r.name,
      ...(dm && peer ? { online: peer.online } : {}),
      private: r.visibility === 'private',
      dm,
      unread: unread?.count ?? 0,
      mention: unread?.mention ?? false,
    };
  });

  const move = (delta: number) => {
    if (chat.rooms.length === 0) return;
    const i = Math.max(0, chat.rooms.findIndex((r) => r.id === room?.id));
    const next = chat.rooms[(i + delta + chat.rooms.length) % chat.rooms.length];
    if (next) {
      setSelected(next.id);
      setScroll(0);
    }
  };

  const matchesFor = (query: string | null) => (query === null ? [] : fuzzyFilter(query, items, (i) => i.label).slice(0, 8));
  const matches = matchesFor(switcher);
  useInput((input, key) => {
    // Terminal reports: focus (for notifications) and the mouse wheel (scrolling).
    if (input === '[I' || input === '\u001b[I') focused.current = true;
    if (input === '[O' || input === '\u001b[O') focused.current = false;
    for (const m of input.matchAll(/\[<(\d+);\d+;\d+M/g)) {
      if (m[1] === '64') setScroll((s) => Math.min(visible.maxOffset, s + 3));
      if (m[1] === '65') setScroll((s) => Math.max(0, s - 3));
    }
    if (TERMINAL_REPORT.test(input)) return;
    const open = panelRef.current;
    if (open !== null) {
      if (key.escape) setPanel(null);
      else if (open.kind === 'search') {
        if (key.upArrow) setPanel({ ...open, selected: Math.max(0, open.selected - 1) });
        else if (key.downArrow) setPanel({ ...open, selected: Math.min(open.hits.length - 1, open.selected + 1) });
        else if (key.return) {
          const hit = open.hits[open.selected];
          if (hit) jumpTo(hit);
        }
      } else if (key.upArrow) setPanel({ ...open, scroll: Math.max(0, open.scroll - 1) });
      else if (key.downArrow) setPanel({ ...open, scroll: Math.min(Math.max(0, wrapLines(open.text, Math.max(10, size.columns - 4)).length - panelLines), open.scroll + 1) });
      return;
    }
    if (switcherRef.current !== null) {
      if (key.escape) setSwitcher(null);
      else if (key.return) {
        const pick = matchesFor(switcherRef.current)[0];
        if (pick) {
          setSelected(pick.id);
          setScroll(0);
        }
        setSwitcher(null);
      } else if (key.backspace || key.delete) setSwitcher((q) => (q ?? '').slice(0, -1));
      else if (input && !key.ctrl && !key.meta) setSwitcher((q) => (q ?? '') + input);
      return;
    }
    if (key.ctrl && input === 'k') setSwitcher('');
    else if ((key.ctrl && input === 'n') || (key.meta && key.downArrow)) move(1);
    else if ((key.ctrl && input === 'p') || (key.meta && key.upArrow)) move(-1);
    else if (key.pageUp) setScroll((s) => Math.min(visible.maxOffset, s + timelineHeight - 2));
    else if (key.pageDown) setScroll((s) => Math.max(0, s - (timelineHeight - 2)));
  });

  /** Shows a search result in its room, among the messages around it. */
  const jumpTo = (hit: SearchHit) => {
    setPanel(null);
    setSelected(hit.roomId);
    setFocus({ roomId: hit.roomId, eventId: hit.eventId, placed: false });
    void chat.loadUntil(hit.roomId, hit.seq).then(
      () => setNote(`#${hit.roomName}, ${hit.sender.username} at ${new Date(hit.createdAt).toTimeString().slice(0, 5)} · PgDn back to the newest`),
      (error: unknown) => setNote((error as Error).message),
    );
  };

  const openSearch = (query: string) => {
    setPanel({ kind: 'search', query, status: 'searching', hits: [], selected: 0, note: null });
    deps.search(query).then(
      ({ hits, waiting }) => {
        setPanel((p) => (p?.kind === 'search' && p.query === query ? { ...p, status: 'done', hits, note: waiting ? `${waiting} private not searchable yet` : null } : p));
        setNote(null);
      },
      (error: unknown) => {
        setPanel(null);
        setNote((error as Error).message);
      },
    );
  };

  const openSummary = (target: Room, type: SummaryType, agree: boolean) => {
    const title = `Summary of ${target.visibility === 'private' ? '⚿ ' : '#'}${target.name} (${type})`;
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
        },
        (error: unknown) => {
          setPanel((p) => (mine(p) ? null : p));
          setNote((error as Error).message);
        },
      );
  };

  const submit = (text: string) => {
    const parsed = parseComposer(text);
    const fail = (error: unknown) => setNote(error instanceof ChatError || error instanceof Error ? error.message : String(error));
    if (parsed.kind === 'error') return setNote(parsed.message);
    if (parsed.kind === 'command') {
      void runSlash(parsed.name, parsed.args, parsed.rest, {
        api: deps.api,
        e2e: deps.e2e,
        room,
        refreshRooms: chat.refreshRooms,
        select: (id) => setSelected(id),
        setTheme: (choice) => {
          setThemeChoice(choice);
          saveTheme(choice);
        },
        quit: () => exit(),
        openSearch,
        openSummary,
        retryFailed: chat.retryFailed,
        discardFailed: chat.discardFailed,
      }).then(setNote, fail);
      return;
    }
    if (!room) return setNote('join or create a room first: /join <room>, /create <room>');
    setSent((s) => [...s.slice(-49), parsed.text]);
    setScroll(0);
    void chat.send(room, parsed.text).then(() => setNote(null), fail);
  };

  return (
    <Box flexDirection="column" width={size.columns} height={size.rows}>
      <Box flexGrow={1}>
        <RoomList rooms={items} selectedId={room?.id ?? null} width={SIDEBAR} theme={theme} />
        <Box flexDirection="column" width={timelineWidth}>
          <Text bold wrap="truncate">
            {title}
            {/* Before the topic, so a long topic cannot push it out of the truncated line. */}
            {room?.topic && room.visibility === 'private' ? <Text color={theme.warn}>{` — ⚠ ${PRIVATE_TOPIC_TAG}`}</Text> : null}
            {room?.topic ? ` ${room.visibility === 'private' ? '' : '— '}${neutralize(room.topic)}` : ''}
          </Text>
          <Box flexDirection="column" height={timelineHeight} overflow="hidden">
            <Timeline rows={visible.rows} theme={theme} textOf={textOf} me={me.username} scrolledBack={scroll > 0} highlightId={focus?.roomId === room?.id ? focus?.eventId : undefined} />
          </Box>
          <TypingLine text={state ? typingLine(state, now) : null} theme={theme} />
        </Box>
      </Box>
      {switcher !== null && (
        <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
          <Text>
            Go to room: {neutralize(switcher)}
            <Text inverse> </Text>
          </Text>
          {matches.length === 0 ? <Text color={theme.dim}>no room matches</Text> : matches.map((m, i) => <Text key={m.id} bold={i === 0}>{`${i === 0 ? '›' : ' '} ${neutralize(m.label)}`}</Text>)}
        </Box>
      )}
      {panel && <ResultsPanel panel={panel} theme={theme} maxLines={panelLines} width={size.columns} />}
      <Composer
        active={composerActive}
        onSubmit={submit}
        onTyping={(active) => room && chat.typing(room, active)}
        history={sent}
        theme={theme}
        placeholder={room ? `Message ${title}  (/help · Ctrl+K rooms)` : 'Type /join <room> or /create <room>'}
      />
      <StatusBar state={chat.connection} username={me.username} server={server} now={now} theme={theme} note={note} />
    </Box>
  );
}
