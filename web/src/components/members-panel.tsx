import { useEffect, useState } from 'react';
import { shownRole } from '../../../shared/protocol/index.js';
import type { Member, Room } from '../../../shared/protocol/index.js';
import { useChat } from '../chat-context.js';
import { SafetyDialog } from './safety-panel.js';
import type { Safety } from './safety-panel.js';
import { Button } from './ui/button.js';
import { Sheet, SheetContent, SheetTrigger } from './ui/sheet.js';
import { localTimeFormatter } from '../../../shared/text/time-format.js';
import { Untrusted } from './untrusted-text.js';

/**
 * The room's members in a drawer from the right, with presence that follows people coming and going;
 * safety numbers for everyone else, removal for the owner.
 */
export function MembersDrawer({ room }: { readonly room: Room }) {
  const { client, session, e2e, act } = useChat();
  const [open, setOpen] = useState(false);
  const [members, setMembers] = useState<Member[] | null>(null);
  const [safety, setSafety] = useState<Safety | null>(null);
  // Nobody owns a direct message in its two people's eyes: no "(owner)", no Remove there.
  const owner = shownRole(room, room.role) === 'owner';

  useEffect(() => {
    if (!open) return;
    let current = true;
    client.api.members(room.id).then(
      (list) => current && setMembers(list),
      () => undefined,
    );
    const off = client.live.on('presence', (frame) => {
      setMembers((list) => list?.map((m) => (m.user.id === frame.user.id ? { ...m, online: frame.status === 'online' } : m)) ?? null);
    });
    return () => {
      current = false;
      off();
    };
  }, [open, room.id, client]);

  return (
    <>
      <Sheet open={open} onOpenChange={setOpen}>
        <SheetTrigger asChild>
          <Button variant="secondary" size="sm">
            Members
          </Button>
        </SheetTrigger>
        <SheetContent side="right" title={`Members (${members?.length ?? room.memberCount})`}>
          {members === null ? (
            <p className="text-dim" role="status">
              Loading…
            </p>
          ) : (
            <ul className="grid gap-2" aria-label="Members">
              {members.map((m) => (
                <li key={m.user.id} className="flex min-w-0 flex-wrap items-center gap-2">
                  <span className={m.online ? 'text-ok' : 'text-dim'} role="img" aria-label={m.online ? 'online' : 'offline'}>
                    {m.online ? '●' : '○'}
                  </span>
                  <span className="min-w-0 flex-1 truncate">
                    <Untrusted text={m.user.username} />
                    {shownRole(room, m.role) === 'owner' ? <span className="text-dim"> (owner)</span> : ''}
                    {m.user.id === session.user.id ? <span className="text-dim"> (you)</span> : ''}
                    {!m.online && m.lastSeenAt && <span className="block text-xs text-dim">{localTimeFormatter().lastSeen(Date.parse(m.lastSeenAt), Date.now())}</span>}
                  </span>
                  {m.user.id !== session.user.id && (
                    <Button variant="secondary" size="sm" onClick={() => (setOpen(false), act(async () => setSafety({ username: m.user.username, ...(await e2e.safetyNumberWith(m.user.username)) })))}>
                      Safety number
                    </Button>
                  )}
                  {owner && m.user.id !== session.user.id && (
                    <Button
                      variant="danger"
                      size="sm"
                      onClick={() => act(async () => (await client.api.kick(room.id, m.user.username), setMembers(await client.api.members(room.id)), `Removed ${m.user.username}.`))}
                    >
                      Remove
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </SheetContent>
      </Sheet>
      <SafetyDialog
        safety={safety}
        onVerify={() => safety && act(async () => (await e2e.confirm(safety.userId, safety.keys), setSafety({ ...safety, verified: true, changed: false }), `${safety.username} verified.`))}
        onClose={() => setSafety(null)}
      />
    </>
  );
}
