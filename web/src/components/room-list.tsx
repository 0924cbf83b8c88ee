import type { Room } from '../../../shared/protocol/index.js';
import { Untrusted } from './untrusted-text.js';

/** The rooms, with unread counts; private rooms are marked, direct messages named by the other person. */
export function RoomList({
  rooms,
  selected,
  unread,
  title,
  onSelect,
}: {
  readonly rooms: readonly Room[];
  readonly selected: string | null;
  readonly unread: (roomId: string) => number;
  readonly title: (room: Room) => string;
  readonly onSelect: (roomId: string) => void;
}) {
  return (
    <nav className="room-list" aria-label="Rooms">
      <ul>
        {rooms.map((room) => {
          const n = unread(room.id);
          return (
            <li key={room.id}>
              <button type="button" aria-current={room.id === selected ? 'true' : undefined} onClick={() => onSelect(room.id)}>
                <span className="room-name">
                  <Untrusted text={title(room)} />
                </span>
                {n > 0 && (
                  <span className="unread" aria-label={`${n} unread`}>
                    {n}
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
