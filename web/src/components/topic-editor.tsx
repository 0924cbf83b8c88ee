import { useState } from 'react';
import type { Room } from '../../../shared/protocol/index.js';
import { useChat } from '../chat-context.js';
import { Button } from './ui/button.js';
import { Dialog, DialogClose, DialogContent } from './ui/dialog.js';
import { Input } from './ui/input.js';
import { Label } from './ui/label.js';

/** The owner's "Edit topic" button and dialog; every member's header shows the new topic at once. */
export function TopicEditor({ room }: { readonly room: Room }) {
  const { client, chat } = useChat();
  const [open, setOpen] = useState(false);
  const [topic, setTopic] = useState(room.topic);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <Button variant="ghost" size="sm" onClick={() => (setTopic(room.topic), setError(null), setOpen(true))}>
        Edit topic
      </Button>
      <Dialog open={open} onOpenChange={setOpen}>
        <DialogContent title="Room topic" description={room.visibility === 'private' ? 'A private room’s topic is not end-to-end encrypted: the server can read it.' : 'Shown to everyone under the room’s name, and in the directory.'}>
          <form
            className="grid gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              client.api.setTopic(room.id, topic.trim()).then(
                async () => (await chat.refresh(), setOpen(false)),
                (err: unknown) => setError((err as Error).message),
              );
            }}
          >
            <Label>
              Topic
              <Input value={topic} onChange={(e) => setTopic(e.target.value)} maxLength={250} autoComplete="off" />
            </Label>
            {error && (
              <p className="text-sm text-error" role="alert">
                {error}
              </p>
            )}
            <div className="flex justify-end gap-2">
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button type="submit">Save topic</Button>
            </div>
          </form>
        </DialogContent>
      </Dialog>
    </>
  );
}
