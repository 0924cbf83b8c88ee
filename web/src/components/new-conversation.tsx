import { useState } from 'react';
import { useNavigate } from 'react-router';
import { roomPath, useChat } from '../chat-context.js';
import { CreateRoomDialog } from './create-room-dialog.js';
import { Button } from './ui/button.js';
import { Input } from './ui/input.js';
import { Label } from './ui/label.js';

/** Under the room list: create a room (a dialog), or open a direct conversation with someone by name. */
export function NewConversation({ onDone }: { readonly onDone?: () => void }) {
  const { client, chat, act } = useChat();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const [username, setUsername] = useState('');
  return (
    <div className="grid gap-3">
      <Button variant="secondary" onClick={() => setCreating(true)}>
        Create a room
      </Button>
      <CreateRoomDialog open={creating} onOpenChange={(open) => (setCreating(open), open ? undefined : onDone?.())} />
      <form
        className="grid gap-1.5"
        onSubmit={(e) => {
          e.preventDefault();
          const name = username.trim();
          if (!name) return;
          act(async () => {
            const { room } = await client.api.directMessage(name);
            setUsername('');
            await chat.refresh();
            onDone?.();
            navigate(roomPath(room.name));
          });
        }}
      >
        <Label>
          Message someone directly
          <Input value={username} onChange={(e) => setUsername(e.target.value)} placeholder="username" autoComplete="off" />
        </Label>
        <Button type="submit" variant="secondary" disabled={!username.trim()}>
          Open direct messages
        </Button>
      </form>
    </div>
  );
}
