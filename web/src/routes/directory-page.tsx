import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { DirectoryPage as Page, Room } from '../../../shared/protocol/index.js';
import { RoomName } from '../../../shared/protocol/index.js';
import { roomPath, useChat } from '../chat-context.js';
import { CreateRoomDialog } from '../components/create-room-dialog.js';
import { Badge } from '../components/ui/badge.js';
import { Button } from '../components/ui/button.js';
import { Input } from '../components/ui/input.js';
import { Untrusted } from '../components/untrusted-text.js';

/**
 * The home page: the directory of open rooms, searched by name or topic on the server and paged,
 * with member counts; each room offers Join (or Open, when already in). Creating is a separate,
 * explicit action: a name no room has offers "Create #name?" after the rooms whose names are close
 * to it, so a typo finds the room meant instead of making a new one.
 */
export function DirectoryPage() {
  const { client, chat, setNote } = useChat();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const query = q.trim().toLowerCase();

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      client.api.directory(query ? { q: query } : {}).then(
        (p) => current && (setPage(p), setError(null)),
        (e: unknown) => current && setError((e as Error).message),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, query]);

  const join = (room: Room) => {
    setBusy(room.id);
    client.api
      .join(room.name)
      .then(async () => {
        await chat.refresh();
        setNote(`You joined #${room.name}.`);
        navigate(roomPath(room.name));
      })
      .catch((e: unknown) => setNote((e as Error).message))
      .finally(() => setBusy(null));
  };
  const more = () => {
    if (!page?.next) return;
    client.api.directory({ ...(query ? { q: query } : {}), after: page.next }).then(
      (p) => setPage({ rooms: [...page.rooms, ...p.rooms], next: p.next, similar: page.similar }),
      (e: unknown) => setError((e as Error).message),
    );
  };
  const exact = page?.rooms.some((r) => r.name === query) ?? false;
  const creatable = query !== '' && !exact && RoomName.safeParse(query).success;

  return (
    <div className="min-h-0 flex-1 overflow-y-auto p-3 md:p-4">
      <div className="mx-auto grid max-w-2xl gap-4">
        <div>
          <h1 className="text-xl font-semibold">Rooms</h1>
          <p className="text-sm text-dim">
            {chat.loaded && chat.rooms.length === 0 ? 'You are in no rooms yet. Join an open room below, create one, or message someone directly.' : 'Find an open room to join, or create a new one.'}
          </p>
        </div>
        <div className="flex flex-wrap items-end gap-2">
          <label className="grid min-w-0 flex-1 gap-1 text-sm text-dim">
            Find a room
            <Input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="name or topic" autoComplete="off" />
          </label>
          <Button variant="secondary" onClick={() => setCreating(true)}>
            Create a room
          </Button>
        </div>
        <CreateRoomDialog open={creating} onOpenChange={setCreating} initialName={creatable ? query : ''} />
        {error && (
          <p className="text-sm text-error" role="alert">
            {error}
          </p>
        )}
        {page && page.similar.length > 0 && (
          <section aria-label="Close matches" className="rounded-md border border-line p-2">
            <h2 className="text-sm font-semibold">Did you mean…</h2>
            <DirectoryList rooms={page.similar} busy={busy} onJoin={join} />
          </section>
        )}
        {creatable && page && (
          <div className="flex flex-wrap items-center gap-2 rounded-md bg-panel p-2 text-sm">
            <span className="min-w-0 flex-1">
              No room is named <strong>#{query}</strong>.
            </span>
            <Button size="sm" onClick={() => setCreating(true)}>
              Create #{query}?
            </Button>
          </div>
        )}
        <section aria-label="Open rooms">
          {page === null ? (
            <p className="text-dim" role="status">
              Loading the directory…
            </p>
          ) : page.rooms.length === 0 ? (
            <p className="text-dim">{query ? 'No open room matches.' : 'No open rooms yet: create the first one.'}</p>
          ) : (
            <DirectoryList rooms={page.rooms} busy={busy} onJoin={join} />
          )}
          {page?.next && (
            <Button variant="secondary" className="mt-2" onClick={more}>
              More rooms
            </Button>
          )}
        </section>
      </div>
    </div>
  );
}

function DirectoryList({ rooms, busy, onJoin }: { readonly rooms: readonly Room[]; readonly busy: string | null; readonly onJoin: (room: Room) => void }) {
  return (
    <ul className="divide-y divide-line">
      {rooms.map((room) => (
        <li key={room.id} className="flex min-w-0 flex-wrap items-center gap-2 py-2">
          <div className="min-w-0 flex-1">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-semibold [overflow-wrap:anywhere]">
                <Untrusted text={`#${room.name}`} />
              </span>
              <Badge tone="muted">
                {room.memberCount} member{room.memberCount === 1 ? '' : 's'}
              </Badge>
            </div>
            {room.topic && (
              <p className="text-sm text-dim [overflow-wrap:anywhere]">
                <Untrusted text={room.topic} />
              </p>
            )}
          </div>
          {room.role ? (
            <Button variant="secondary" size="sm" asChild>
              <Link to={roomPath(room.name)} aria-label={`Open #${room.name}`}>
                Open
              </Link>
            </Button>
          ) : (
            <Button size="sm" disabled={busy === room.id} onClick={() => onJoin(room)} aria-label={`Join #${room.name}`}>
              Join
            </Button>
          )}
        </li>
      ))}
    </ul>
  );
}
