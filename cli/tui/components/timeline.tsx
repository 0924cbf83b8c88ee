import { Box, Text } from 'ink';
import { neutralize, neutralizeLines } from '../../../shared/text/neutralize.js';
import type { TimelineRow } from '../state/timeline-rows.js';
import { pendingLabel } from '../state/timeline-rows.js';
import type { Theme } from '../state/theme.js';
import { senderColor } from '../state/theme.js';

export interface TimelineProps {
  /** Only the rows that fit (see visibleRows). */
  readonly rows: readonly TimelineRow[];
  readonly theme: Theme;
  /** The text of a message: its body, or for private rooms what decrypting gave. */
  readonly textOf: (row: Extract<TimelineRow, { kind: 'event' }>) => string;
  readonly scrolledBack: boolean;
  /** A message to point out (a search result jumped to). */
  readonly highlightId?: string | undefined;
  /** This user's name, shown on their messages not yet stored (default "you"). */
  readonly me?: string;
}

/** Under the sender, past the time: where a message's second and later lines start. */
const CONTINUATION = '\n' + ' '.repeat(6);

const time = (iso: string) => new Date(iso).toTimeString().slice(0, 5);

/** The centre: messages with time and a stable colour per sender, day separators, the new marker. */
export function Timeline({ rows, theme, textOf, scrolledBack, highlightId, me = 'you' }: TimelineProps) {
  return (
    <Box flexDirection="column" flexGrow={1}>
      {rows.map((row) => {
        if (row.kind === 'day') return <Text key={row.key} color={theme.dim}>{`── ${row.label} ──`}</Text>;
        if (row.kind === 'new') return <Text key={row.key} color={theme.error}>── new ──</Text>;
        if (row.kind === 'pending') {
          const m = row.message;
          return (
            <Text key={row.key} wrap="wrap">
              <Text color={theme.dim}>{time(new Date(m.queuedAt).toISOString())} </Text>
              <Text bold color={senderColor(theme, me)}>{neutralize(me)}</Text>
              <Text color={theme.dim}>: {neutralizeLines(m.text).join(CONTINUATION)} </Text>
              <Text color={m.status === 'failed' ? theme.error : theme.dim}>{pendingLabel(m)}</Text>
            </Text>
          );
        }
        const e = row.event;
        const who = neutralize(e.sender.username);
        if (e.kind !== 'message') {
          const what = e.kind === 'join' ? 'joined' : e.kind === 'leave' ? 'left' : `removed ${neutralize(e.target?.username ?? 'someone')}`;
          return <Text key={row.key} color={theme.dim}>{`${time(e.createdAt)}  ${who} ${what}`}</Text>;
        }
        return (
          <Text key={row.key} wrap="wrap">
            {e.id === highlightId && <Text color={theme.accent}>▶ </Text>}
            <Text color={theme.dim}>{time(e.createdAt)} </Text>
            <Text bold color={senderColor(theme, e.sender.username)}>{who}</Text>
            {/* Continuation lines indented, so no line of a message can pose as another message. */}
            <Text>: {neutralizeLines(textOf(row)).join(CONTINUATION)}</Text>
          </Text>
        );
      })}
      {scrolledBack && <Text color={theme.dim}>↓ newer messages below (PgDn)</Text>}
    </Box>
  );
}
