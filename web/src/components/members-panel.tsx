import type { Member } from '../../../shared/protocol/index.js';
import { Untrusted } from './untrusted-text.js';

/** Who is in the room and online; safety numbers for everyone else, removal for the owner. */
export function MembersPanel({
  members,
  me,
  owner,
  onSafety,
  onRemove,
}: {
  readonly members: readonly Member[];
  readonly me: string;
  readonly owner: boolean;
  readonly onSafety: (username: string) => void;
  readonly onRemove: (username: string) => void;
}) {
  return (
    <ul className="members" aria-label="Members">
      {members.map((m) => (
        <li key={m.user.id}>
          <span aria-label={m.online ? 'online' : 'offline'}>{m.online ? '●' : '○'}</span> <Untrusted text={m.user.username} />
          {m.role === 'owner' ? ' (owner)' : ''}
          {m.user.id !== me && (
            <button type="button" onClick={() => onSafety(m.user.username)}>
              Safety number
            </button>
          )}
          {owner && m.user.id !== me && (
            <button type="button" onClick={() => onRemove(m.user.username)}>
              Remove
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
