import { Box, Text } from 'ink';
import stringWidth from 'string-width';
import type { Room, SearchHit, Snippet } from '../../../shared/protocol/index.js';
import { snippetAround } from '../../../shared/search/snippet.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import type { Theme } from '../state/theme.js';
import { senderColor } from '../state/theme.js';

/** What the panel under the timeline shows: search results to choose from, a summary (or the help), or the open-room directory. */
export type Panel =
  | { readonly kind: 'directory'; readonly status: 'loading' | 'done'; readonly rooms: readonly Room[]; readonly selected: number }
  | { readonly kind: 'search'; readonly query: string; readonly status: 'searching' | 'done'; readonly hits: readonly SearchHit[]; readonly selected: number; readonly note: string | null }
  | {
      readonly kind: 'summary';
      readonly title: string;
      readonly status: 'working' | 'done';
      /** Who wrote it ("offline extractive summary", "by gpt-4o-mini"), once known. */
      readonly by: string | null;
      readonly text: string;
      readonly scroll: number;
    };

/**
 * Where a line's wrapped rows start: under the text after a two-column gap (the help's `  /cmd  what
 * it does`), after a list bullet or number, or under its own indentation; past half the width, two
 * columns further in than the line starts.
 */
function hangingIndent(line: string, width: number): number {
  const lead = /^(\s*\S.*?\s{2,})(?=\S)|^(\s*(?:[-*•]|\d+[.)])\s+)(?=\S)|^\s*/.exec(line)?.[0].length ?? 0;
  // Too far in for a narrow panel: a little further in than the line itself starts.
  return lead <= width / 2 ? lead : Math.min((/^\s*/.exec(line)?.[0].length ?? 0) + 2, Math.floor(width / 2));
}

/**
 * Breaks text into lines of at most `width` characters, at spaces where it can; a line's wrapped rows
 * are indented under its text (see {@link hangingIndent}), so they never pose as lines of their own.
 */
export function wrapLines(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const pad = ' '.repeat(hangingIndent(line, width));
    let rest = line;
    let room = width;
    while (rest.length > room) {
      const cut = rest.lastIndexOf(' ', room);
      const at = cut > room / 2 ? cut : room;
      out.push((room < width ? pad : '') + rest.slice(0, at));
      rest = rest.slice(at).trimStart();
      room = width - pad.length;
    }
    out.push((room < width ? pad : '') + rest);
  }
  return out;
}

/** How many lines the panel takes (with its border), so the timeline can give them up. */
export function panelHeight(panel: Panel, maxLines: number, width: number): number {
  if (panel.kind === 'search') {
    const note = searchNoteLines(panel, width).length;
    return 3 + note + Math.min(Math.max(2, maxLines - note), Math.max(1, panel.hits.length * 2));
  }
  if (panel.kind === 'directory') return 3 + Math.min(maxLines, Math.max(1, panel.rooms.length));
  return 3 + maxLines;
}

/**
 * The rows of a finished search's note (private messages this device could not search, and how to
 * bring their keys), wrapped whole to the panel's inner width: none while searching or without a note.
 */
function searchNoteLines(panel: Extract<Panel, { kind: 'search' }>, width: number): string[] {
  return panel.status === 'done' && panel.note ? wrapLines(neutralize(panel.note), Math.max(10, width - 4)) : [];
}

/**
 * A search hit's snippet cut again, by `chat search`'s rule (snippetAround), to at most `width`
 * terminal columns (at least 10), so its first match sits inside what the panel shows rather than
 * past the row's end. Columns are measured with string-width (a CJK character or an emoji takes 2),
 * so a row of wide characters is neither clipped by Ink at the panel's edge nor cut short: the room
 * left for the "…" marks is one column each, asked for one at a time.
 */
export function snippetToFit(snippet: Snippet, width: number): Snippet {
  const fit = Math.max(10, width);
  if (stringWidth(snippet.text) <= fit) return snippet;
  const once = snippetAround(snippet.text, snippet.highlights, fit - 1, stringWidth);
  return stringWidth(once.text) <= fit ? once : snippetAround(snippet.text, snippet.highlights, fit - 2, stringWidth);
}

/** A snippet on one row, indented two columns, its matched words highlighted (bold, accent colour, inverse). */
function Highlighted({ snippet, theme, width }: { snippet: Snippet; theme: Theme; width: number }) {
  const fitted = snippetToFit(snippet, width - 2);
  const parts: { text: string; hit: boolean }[] = [];
  let at = 0;
  for (const [start, end] of fitted.highlights) {
    parts.push({ text: fitted.text.slice(at, start), hit: false }, { text: fitted.text.slice(start, end), hit: true });
    at = end;
  }
  parts.push({ text: fitted.text.slice(at), hit: false });
  return (
    <Text wrap="truncate">
      {'  '}
      {parts.map((p, i) =>
        p.hit ? (
          <Text key={i} bold inverse color={theme.accent}>
            {neutralize(p.text)}
          </Text>
        ) : (
          <Text key={i}>{neutralize(p.text)}</Text>
        ),
      )}
    </Text>
  );
}

const when = (iso: string) => {
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toTimeString().slice(0, 5)}`;
};

/** The open-room directory: one line per room (↑/↓ to choose, Enter to join, Esc to close). */
function DirectoryPanel({ panel, theme, maxLines }: { panel: Extract<Panel, { kind: 'directory' }>; theme: Theme; maxLines: number }) {
  const perPage = Math.max(1, maxLines);
  const first = Math.min(Math.max(0, panel.selected - perPage + 1), Math.max(0, panel.rooms.length - perPage));
  const status = panel.status === 'loading' ? 'loading…' : `${panel.rooms.length} room${panel.rooms.length === 1 ? '' : 's'} · ↑/↓ choose · Enter join · Esc close`;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
      <Text bold wrap="truncate">
        Open rooms<Text color={theme.dim}>{`  ${status}`}</Text>
      </Text>
      {panel.status === 'done' && panel.rooms.length === 0 && <Text color={theme.dim}>no open rooms yet — /create one</Text>}
      {panel.rooms.slice(first, first + perPage).map((room, i) => {
        const chosen = first + i === panel.selected;
        return (
          <Text key={room.id} wrap="truncate" inverse={chosen}>
            {chosen ? '› ' : '  '}
            <Text bold>{`#${neutralize(room.name)}`}</Text>
            <Text color={theme.dim}>{`  ${room.memberCount} member${room.memberCount === 1 ? '' : 's'}${room.role !== null ? ' · joined' : ''}`}</Text>
            {room.topic ? `  ${neutralize(room.topic)}` : ''}
          </Text>
        );
      })}
    </Box>
  );
}

/**
 * Search results (↑/↓ to choose, Enter to jump, Esc to close), a summary (↑/↓ to scroll), or the room
 * directory. `hitRoom` names a hit's room as the user knows it (`@peer` for a direct message, never its
 * stored `dm-…` name; see roomTitle); default `#name`. Neutralized here.
 */
export function ResultsPanel({ panel, theme, maxLines, width, hitRoom = (hit) => `#${hit.roomName}` }: { panel: Panel; theme: Theme; maxLines: number; width: number; hitRoom?: (hit: SearchHit) => string }) {
  if (panel.kind === 'directory') return <DirectoryPanel panel={panel} theme={theme} maxLines={maxLines} />;
  if (panel.kind === 'summary') {
    const lines = wrapLines(neutralize(panel.text, { multiline: true }), Math.max(10, width - 4));
    const shown = lines.slice(panel.scroll, panel.scroll + maxLines);
    return (
      <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
        <Text bold wrap="truncate">
          {neutralize(panel.title)}
          <Text color={theme.dim}>{`${panel.by ? ` · ${neutralize(panel.by)}` : ''}${panel.status === 'working' ? '  summarizing…' : '  ↑/↓ scroll · Esc close'}`}</Text>
        </Text>
        <Box flexDirection="column" height={maxLines} overflow="hidden">
          {shown.map((line, i) => (
            <Text key={panel.scroll + i} wrap="truncate">
              {line || ' '}
            </Text>
          ))}
        </Box>
      </Box>
    );
  }
  // The note (private messages this device could not search, and how to fix it) is wrapped whole, under the title.
  const noteLines = searchNoteLines(panel, width);
  const perPage = Math.max(1, Math.floor(Math.max(2, maxLines - noteLines.length) / 2));
  const first = Math.min(Math.max(0, panel.selected - perPage + 1), Math.max(0, panel.hits.length - perPage));
  const status = panel.status === 'searching' ? 'searching…' : `${panel.hits.length} result${panel.hits.length === 1 ? '' : 's'} · ↑/↓ choose · Enter jump · Esc close`;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={1}>
      <Text bold wrap="truncate">
        {`Search: ${neutralize(panel.query)}`}
        <Text color={theme.dim}>{`  ${status}`}</Text>
      </Text>
      {noteLines.map((line, i) => (
        <Text key={`note${i}`} color={theme.warn} wrap="truncate">
          {line}
        </Text>
      ))}
      {panel.status === 'done' && panel.hits.length === 0 && <Text color={theme.dim}>no messages match</Text>}
      {panel.hits.slice(first, first + perPage).map((hit, i) => {
        const chosen = first + i === panel.selected;
        return (
          <Box key={hit.eventId} flexDirection="column">
            <Text wrap="truncate" inverse={chosen}>
              {chosen ? '› ' : '  '}
              <Text bold>{neutralize(hitRoom(hit))}</Text>
              {'  '}
              <Text color={senderColor(theme, hit.sender.username)}>{neutralize(hit.sender.username)}</Text>
              <Text color={theme.dim}>{`  ${when(hit.createdAt)}${hit.editedAt ? ' (edited)' : ''}`}</Text>
            </Text>
            <Highlighted snippet={hit.snippet} theme={theme} width={width - 4} />
          </Box>
        );
      })}
    </Box>
  );
}
