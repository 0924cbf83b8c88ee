import { Box, Text } from 'ink';
import type { ConnectionState } from '../../../shared/client/index.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import type { Theme } from '../state/theme.js';

export interface StatusBarProps {
  readonly state: ConnectionState;
  readonly username: string;
  readonly server: string;
  readonly now: number;
  readonly theme: Theme;
  /** A passing note (an error, a command's answer). */
  readonly note?: string | null;
}

/** What the connection is doing, in words a person reads at a glance. */
export function describeConnection(state: ConnectionState, now: number): string {
  switch (state.status) {
    case 'connected':
      return 'connected';
    case 'connecting':
      return 'connecting…';
    case 'reconnecting':
      return `reconnecting in ${Math.max(0, Math.ceil((state.retryAt - now) / 1000))} s`;
    case 'closed':
      return state.reason ? `offline: ${neutralize(state.reason.message)}` : 'offline';
    default: {
      const unreachable: never = state;
      return String(unreachable);
    }
  }
}

/** The bottom line: connection state, who you are, where. */
export function StatusBar({ state, username, server, now, theme, note }: StatusBarProps) {
  const color = state.status === 'connected' ? 'green' : state.status === 'closed' ? theme.error : theme.warn;
  return (
    <Box flexDirection="column">
      {/* A note wraps in full: it may be an invite link to copy. */}
      {note ? (
        <Text color={theme.warn} wrap="wrap">
          {neutralize(note)}
        </Text>
      ) : null}
      <Text wrap="truncate">
        <Text color={color}>● {describeConnection(state, now)}</Text>
        <Text color={theme.dim}>
          {'  '}
          {neutralize(username)} @ {neutralize(server)}
        </Text>
      </Text>
    </Box>
  );
}
