import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { roomPath, useChat } from '../chat-context.js';
import { Button } from '../components/ui/button.js';
import { Untrusted } from '../components/untrusted-text.js';

/** `/invite/:token`, signed in: joins the room the link is for, once, then goes to it. */
export function InvitePage() {
  const { token = '' } = useParams();
  const { client, chat, setNote } = useChat();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const redeemed = useRef<string | null>(null);
  useEffect(() => {
    // Once per token, even when React runs effects twice.
    if (redeemed.current === token) return;
    redeemed.current = token;
    client.api.redeemInvite(token).then(
      async (result) => {
        await chat.refresh();
        setNote(`You joined #${result.room.name}.`);
        navigate(roomPath(result.room.name), { replace: true });
      },
      (e: unknown) => setError((e as Error).message),
    );
  }, [token, client, chat, navigate, setNote]);
  return (
    <div className="grid gap-3 p-4">
      <h1 className="text-xl font-semibold">Invitation</h1>
      {error ? (
        <>
          <p className="text-error" role="alert">
            <Untrusted text={error} />
          </p>
          <p className="text-dim">Ask the room’s owner for a new link.</p>
          <div>
            <Button variant="secondary" asChild>
              <Link to="/">Browse rooms</Link>
            </Button>
          </div>
        </>
      ) : (
        <p className="text-dim" role="status">
          Joining…
        </p>
      )}
    </div>
  );
}
