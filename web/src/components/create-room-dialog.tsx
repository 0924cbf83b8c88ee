import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { roomPath, useChat } from '../chat-context.js';
import { Button } from './ui/button.js';
import { Dialog, DialogClose, DialogContent } from './ui/dialog.js';
import { Input } from './ui/input.js';
import { Label } from './ui/label.js';

/**
 * Creating a room, on purpose: a dialog asking for the name, an optional topic and whether it is open
 * or private (invitation-only and end-to-end encrypted). A name that is taken is refused by the
 * server and said so; nothing here joins an existing room.
 */
export function CreateRoomDialog({ open, onOpenChange, initialName = '' }: { readonly open: boolean; readonly onOpenChange: (open: boolean) => void; readonly initialName?: string }) {
  const { client, chat, setNote } = useChat();
  const navigate = useNavigate();
  const [name, setName] = useState(initialName);
  const [topic, setTopic] = useState('');
  const [visibility, setVisibility] = useState<'open' | 'private'>('open');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setName(initialName);
      setError(null);
    }
  }, [open, initialName]);

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title="Create a room" description="A new room, owned by you. Open rooms are listed in the directory; private ones are reached only by invite links.">
        <form
          className="grid gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            client.api
              .createRoom({ name: name.trim(), ...(topic.trim() ? { topic: topic.trim() } : {}), visibility })
              .then(async ({ room }) => {
                await chat.refresh();
                onOpenChange(false);
                setNote(`Created ${room.visibility === 'private' ? '🔒 ' : '#'}${room.name}.`);
                navigate(roomPath(room.name));
              })
              .catch((err: unknown) => setError((err as Error).message))
              .finally(() => setBusy(false));
          }}
        >
          <Label>
            Room name
            <Input value={name} onChange={(e) => setName(e.target.value)} required autoComplete="off" />
          </Label>
          <Label>
            Topic (optional)
            <Input value={topic} onChange={(e) => setTopic(e.target.value)} autoComplete="off" />
          </Label>
          <fieldset className="grid gap-1 text-sm">
            <legend className="mb-1 text-dim">Who can join</legend>
            <label className="flex items-center gap-2">
              <input type="radio" name="visibility" checked={visibility === 'open'} onChange={() => setVisibility('open')} /> Open: anyone can find and join it
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" name="visibility" checked={visibility === 'private'} onChange={() => setVisibility('private')} /> Private: invitation only, end-to-end encrypted
            </label>
          </fieldset>
          {error && (
            <p className="text-sm text-error" role="alert">
              {error}
            </p>
          )}
          <div className="flex flex-wrap justify-end gap-2">
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" disabled={busy || !name.trim()}>
              {name.trim() ? `Create ${visibility === 'private' ? '🔒 ' : '#'}${name.trim().toLowerCase()}` : 'Create'}
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
