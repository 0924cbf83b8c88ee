import type { Room } from '../../../shared/protocol/index.js';

/** The rooms, with unread counts; private rooms are marked. */
export function RoomList({ rooms, selected, unread, onSelect }: { readonly rooms: readonly Room[]; readonly selected: string | null; readonly unread: (roomId: string) => number; readonly onSelect: (roomId: string) => void }) {
  return (
    <nav className="room-list" aria-label="Rooms">
      <ul>
        {rooms.map((room) => {
          const n = unread(room.id);
          return (
            <li key={room.id}>
              <button type="button" aria-current={room.id === selected ? 'true' : undefined} onClick={() => onSelect(room.id)}>
                <span className="room-name">
                  {room.visibility === 'private' ? '🔒 ' : '# '}
                  {room.name}
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
