import { useState } from 'react';
import { Button } from './ui/button.js';
import { Textarea } from './ui/input.js';

/** The message box: Enter sends, Shift+Enter starts a new line; typing is reported as it happens. */
export function Composer({ label, onSend, onTyping }: { readonly label: string; readonly onSend: (text: string) => Promise<void>; readonly onTyping: (active: boolean) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const send = () => {
    const body = text.trim();
    if (!body) return;
    setText('');
    onTyping(false);
    onSend(body).then(
      () => setError(null),
      (e: unknown) => {
        setText(body);
        setError((e as Error).message);
      },
    );
  };
  return (
    <form
      className="flex min-w-0 flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <Textarea
        aria-label={label}
        placeholder={`${label} (Enter sends, Shift+Enter for a new line)`}
        rows={2}
        className="flex-1 resize-y basis-48"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          onTyping(e.target.value.length > 0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            send();
          }
        }}
      />
      <Button type="submit" disabled={!text.trim()}>
        Send
      </Button>
      {error && (
        <p className="w-full text-sm text-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
