import { NavLink } from 'react-router';
import { isDirectMessage } from '../../../shared/protocol/index.js';
import type { Room } from '../../../shared/protocol/index.js';
import { roomPath } from '../chat-context.js';
import { cn } from '../lib/cn.js';
import type { Chat } from '../use-rooms.js';
import { Badge } from './ui/badge.js';
import { Untrusted } from './untrusted-text.js';

/** The three sections of the room list, in the order shown. */
const SECTIONS = [
  { title: 'Rooms', empty: 'No open rooms yet: browse the directory to join one.', holds: (r: Room) => r.visibility === 'open' },
  { title: 'Private', empty: 'No private rooms: create one, or open an invite link.', holds: (r: Room) => r.visibility === 'private' && !isDirectMessage(r) },
  { title: 'Direct messages', empty: 'No conversations: message someone by name below.', holds: (r: Room) => isDirectMessage(r) },
] as const;

/**
 * The user's rooms in sections (open rooms, private rooms, direct messages named by the other
 * person, with their presence), each with its unread count and a mark when a message mentions the user.
 */
export function RoomList({ chat, onNavigate }: { readonly chat: Chat; readonly onNavigate?: () => void }) {
  return (
    <nav aria-label="Rooms" className="grid gap-3">
      {SECTIONS.map((section) => {
        const rooms = chat.rooms.filter(section.holds);
        return (
          <section key={section.title} aria-label={section.title}>
            <h2 className="mb-1 px-2 text-xs font-semibold tracking-wide text-dim uppercase">{section.title}</h2>
            {rooms.length === 0 ? (
              <p className="px-2 text-sm text-dim">{chat.loaded ? section.empty : 'Loading…'}</p>
            ) : (
              <ul className="grid gap-0.5">
                {rooms.map((room) => {
                  const n = chat.unread(room.id);
                  const mention = chat.mentioned(room.id);
                  const peer = isDirectMessage(room) ? chat.peer(room.id) : undefined;
                  return (
                    <li key={room.id}>
                      <NavLink
                        to={roomPath(room.name)}
                        onClick={onNavigate}
                        className={({ isActive }) => cn('flex min-w-0 items-center gap-2 rounded-md px-2 py-1.5 text-fg hover:bg-panel', isActive && 'bg-panel font-semibold', n > 0 && 'font-semibold')}
                      >
                        {peer && (
                          <span className={peer.online ? 'text-ok' : 'text-dim'} aria-label={peer.online ? 'online' : 'offline'} role="img">
                            {peer.online ? '●' : '○'}
                          </span>
                        )}
                        <span className="min-w-0 flex-1 truncate">
                          <Untrusted text={chat.title(room)} />
                        </span>
                        {mention && (
                          <Badge tone="mention" aria-label="mentions you">
                            @
                          </Badge>
                        )}
                        {n > 0 && <Badge aria-label={`${n} unread`}>{n}</Badge>}
                      </NavLink>
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
        );
      })}
    </nav>
  );
}
