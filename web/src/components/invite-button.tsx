import { useState } from 'react';
import type { Room } from '../../../shared/protocol/index.js';
import { useChat } from '../chat-context.js';
import { Button } from './ui/button.js';
import { CopyButton } from './ui/copy-button.js';
import { Dialog, DialogContent } from './ui/dialog.js';

/** The owner makes a one-use invite link (valid 24 h) and copies it, in a dialog that stays until closed. */
export function InviteButton({ room }: { readonly room: Room }) {
  const { client } = useChat();
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        variant="secondary"
        size="sm"
        onClick={() => {
          setOpen(true);
          setLink(null);
          setError(null);
          client.api.createInvite(room.id, {}).then(
            (invite) => setLink(invite.url),
            (e: unknown) => setError((e as Error).message),
          );
        }}
      >
        Invite
      </Button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent title="Invite link" description="Anyone who opens this link can join, once, within 24 hours. Send it privately.">
          {error ? (
            <p className="text-error" role="alert">
              {error}
            </p>
          ) : link ? (
            <div className="flex min-w-0 flex-wrap items-center gap-2">
              <code className="min-w-0 flex-1 rounded bg-panel px-2 py-1 text-sm break-all" aria-label="Invite link">
                {link}
              </code>
              <CopyButton text={link} label="Copy invite link" />
            </div>
          ) : (
            <p className="text-dim" role="status">
              Making a link…
            </p>
          )}
        </DialogContent>
      </Dialog>
    </>
  );
}
