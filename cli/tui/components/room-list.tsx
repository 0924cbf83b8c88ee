import { Box, Text } from 'ink';
import { neutralize } from '../../../shared/text/neutralize.js';
import { PRIVATE_ROOM_MARK } from '../../room-ref.js';
import type { Theme } from '../state/theme.js';

/** One entry of the room list. */
export interface RoomItem {
  readonly id: string;
  readonly label: string;
  readonly private: boolean;
  readonly dm: boolean;
  readonly unread: number;
  /** Unread messages that mention this user (also counted in `unread`), shown apart as "@N". */
  readonly mentions: number;
  /** For DMs: whether the other person is online. */
  readonly online?: boolean;
}

/** The mark before a room's name wherever rooms are listed: ● or ○ (a DM, its peer online or not), the private mark, or #. */
export function roomMark(room: Pick<RoomItem, 'dm' | 'private' | 'online'>): string {
  return room.dm ? (room.online ? '●' : '○') : room.private ? PRIVATE_ROOM_MARK : '#';
}

export interface RoomListProps {
  readonly rooms: readonly RoomItem[];
  /** Whether the room list has come from the server yet (before that, no rooms means "loading"). */
  readonly loaded: boolean;
  readonly selectedId: string | null;
  readonly width: number;
  readonly theme: Theme;
}

/** The left column: rooms with unread counts, mention counts ("@2"), private and DM markers, presence dots. */
export function RoomList({ rooms, loaded, selectedId, width, theme }: RoomListProps) {
  return (
    <Box flexDirection="column" width={width} paddingRight={1}>
      <Text color={theme.dim}>Rooms</Text>
      {rooms.length === 0 && <Text color={theme.dim}>{loaded ? 'none yet — /join or /create' : 'loading…'}</Text>}
      {rooms.map((r) => {
        const selected = r.id === selectedId;
        const mark = roomMark(r);
        const count = r.unread > 0 ? ` ${r.unread > 99 ? '99+' : r.unread}` : '';
        const mentions = r.mentions > 0 ? ` @${r.mentions > 99 ? '99+' : r.mentions}` : '';
        const name = neutralize(r.label).slice(0, Math.max(1, width - 4 - count.length - mentions.length));
        return (
          <Text key={r.id} {...(selected ? { backgroundColor: theme.selectedBg } : {})} bold={r.unread > 0 || selected} wrap="truncate">
            <Text color={r.dm && r.online ? 'green' : theme.dim}>{mark}</Text> {name}
            <Text color={theme.accent}>{count}</Text>
            <Text color={theme.warn} bold>
              {mentions}
            </Text>
          </Text>
        );
      })}
    </Box>
  );
}
