import { Box, Text } from 'ink';
import { memo } from 'react';
import type { Span } from '../state/styled-wrap.js';
import { spansWidth, truncateSpans } from '../state/styled-wrap.js';
import type { Theme } from '../state/theme.js';
import { senderColor } from '../state/theme.js';
import type { LayoutLine } from '../state/timeline-layout.js';

export interface TimelineProps {
  /** The terminal rows to show, top to bottom (a slice of the layout, see `viewport`); each fits `width`. */
  readonly lines: readonly LayoutLine[];
  /** Columns of the timeline: every row is padded to it. */
  readonly width: number;
  /** Rows of the timeline: blank rows fill what `lines` (and the scrolled-back line) leave. */
  readonly height: number;
  readonly theme: Theme;
  /** Scrolled up from the newest: the last row says newer messages are below. */
  readonly scrolledBack: boolean;
  /** Messages from others that came while scrolled back (unread): the last row counts them. */
  readonly newBelow?: number;
}

/** The Ink props of a span: its tone's colour and its formatting marks. */
function styleOf(span: Span, theme: Theme): { color?: string; bold?: boolean; italic?: boolean; strikethrough?: boolean; underline?: boolean; inverse?: boolean } {
  const marks = { ...(span.bold ? { bold: true } : {}), ...(span.italic ? { italic: true } : {}), ...(span.strike ? { strikethrough: true } : {}) };
  // Words a search matched: bold, inverse, in the accent colour, as the search panel's snippet shows them.
  const match = span.match ? { bold: true, inverse: true, color: theme.accent } : {};
  return { ...toneStyle(span, theme), ...marks, ...match };
}

/** The Ink props of a span's colour. */
function toneStyle(span: Span, theme: Theme): { color?: string; bold?: boolean; underline?: boolean; inverse?: boolean } {
  switch (span.tone) {
    case 'plain':
      return {};
    case 'dim':
      return { color: theme.dim };
    case 'error':
      return { color: theme.error };
    case 'accent':
      return { color: theme.accent };
    case 'code':
      return { color: theme.warn };
    case 'link':
      return { color: theme.accent, underline: true };
    case 'mention':
      return { color: theme.warn, bold: true, inverse: true };
    case 'sender':
      return { color: senderColor(theme, span.sender ?? ''), bold: true };
    default: {
      const unreachable: never = span.tone;
      return unreachable;
    }
  }
}

/**
 * A row as Ink text, padded with spaces to `width` so that it overwrites the whole row. Memoized: a
 * laid-out row's spans come from the layout's cache, so a row that did not change is not rendered again.
 */
const Row = memo(function Row({ spans, width, theme }: { readonly spans: readonly Span[]; readonly width: number; readonly theme: Theme }) {
  const pad = Math.max(0, width - spansWidth(spans));
  return (
    <Text wrap="truncate">
      {spans.map((span, i) => (
        <Text key={i} {...styleOf(span, theme)}>
          {span.text}
        </Text>
      ))}
      {' '.repeat(pad)}
    </Text>
  );
});

/** The scrolled-back row: newer messages are below, and how many new ones came (the view does not move for them). */
function newBelowSpan(count: number): Span {
  if (count === 0) return { text: '↓ newer messages below (PgDn)', tone: 'dim' };
  return { text: `↓ ${count} new message${count === 1 ? '' : 's'} below (PgDn, Alt+End)`, tone: 'accent' };
}

/**
 * The centre: exactly `height` rows of `width` columns — the laid-out rows given (messages with time
 * and a stable colour per sender, day separators, the new marker), then blank rows, and when scrolled
 * back a last row saying newer messages are below. Nothing is wrapped or measured here: the layout
 * (timeline-layout.ts) did that, so what is drawn is what the layout says. Memoized: a render of the
 * screen for another reason (the clock, a note, the composer growing) does not render it again when `lines`
 * is the same array.
 */
export const Timeline = memo(function Timeline({ lines, width, height, theme, scrolledBack, newBelow = 0 }: TimelineProps) {
  const room = Math.max(0, scrolledBack ? height - 1 : height);
  const shown = lines.slice(0, room);
  const blank = Math.max(0, room - shown.length);
  return (
    // No overflow="hidden": the rows are exactly `height`, each cut to `width`, and a clipping box
    // makes Ink slice every row's ANSI text again on every frame (a key's frame included).
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((line) => (
        <Row key={line.key} spans={line.spans} width={width} theme={theme} />
      ))}
      {Array.from({ length: blank }, (_, i) => (
        <Text key={`blank:${i}`}>{' '.repeat(width)}</Text>
      ))}
      {scrolledBack && height > 0 && <Row spans={truncateSpans([newBelowSpan(newBelow)], width)} width={width} theme={theme} />}
    </Box>
  );
});
