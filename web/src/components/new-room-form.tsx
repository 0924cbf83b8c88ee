import { useState } from 'react';

/** Join an open room by name, or create one (open, or private and end-to-end encrypted). */
export function NewRoomForm({ onSubmit }: { readonly onSubmit: (name: string, visibility: 'open' | 'private') => Promise<boolean> }) {
  const [name, setName] = useState('');
  return (
    <form
      className="new-room"
      onSubmit={(e) => {
        e.preventDefault();
        const wanted = name.trim();
        if (!wanted) return;
        const visibility = (e.nativeEvent as SubmitEvent).submitter?.getAttribute('value') === 'private' ? 'private' : 'open';
        void onSubmit(wanted, visibility).then((done) => done && setName(''));
      }}
    >
      <label>
        Join or create a room
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="room name" />
      </label>
      <button type="submit" value="open">
        Join / create
      </button>
      <button type="submit" value="private" title="Invitation-only and end-to-end encrypted">
        Create private
      </button>
    </form>
  );
}
