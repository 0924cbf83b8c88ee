import { useState } from 'react';
import type { Ref } from 'react';
import { Button } from './ui/button.js';
import { Textarea } from './ui/input.js';
import { Untrusted } from './untrusted-text.js';

/** Props of {@link Composer}. */
export interface ComposerProps {
  readonly label: string;
  readonly onSend: (text: string) => Promise<void>;
  readonly onTyping: (active: boolean) => void;
  /** The message being answered (shown above the box, with a way to stop replying), or null. */
  readonly replyTo?: { readonly sender: string; readonly text: string } | null;
  readonly onCancelReply?: () => void;
  /** Up in an empty box: edit this user's last message; answers whether there was one to edit. */
  readonly onEditLast?: () => boolean;
  readonly textareaRef?: Ref<HTMLTextAreaElement>;
  /** The text the box starts with: the room's draft, typed earlier and not sent ('' by default). */
  readonly draft?: string;
  /** Told the box's text each time it changes ('' once it is sent), to keep it as the room's draft. */
  readonly onDraft?: (text: string) => void;
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line; typing is reported as it happens.
 * While replying, the quoted message shows above it (Escape or × stops replying); Up in an empty box
 * edits this user's last message. It starts with `draft` and reports each change to `onDraft`, so what
 * was typed comes back with the room.
 */
export function Composer({ label, onSend, onTyping, replyTo = null, onCancelReply, onEditLast, textareaRef, draft = '', onDraft }: ComposerProps) {
  const [text, setShown] = useState(draft);
  const setText = (value: string) => {
    setShown(value);
    onDraft?.(value);
  };
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
      {replyTo && (
        <p className="flex w-full min-w-0 items-center gap-2 text-sm text-dim">
          <span className="min-w-0 flex-1 truncate">
            ↪ Replying to <Untrusted text={replyTo.sender} />: <Untrusted text={replyTo.text} />
          </span>
          <Button size="sm" variant="ghost" aria-label="Stop replying" onClick={() => onCancelReply?.()}>
            ×
          </Button>
        </p>
      )}
      <Textarea
        ref={textareaRef}
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
          } else if (e.key === 'Escape' && replyTo) {
            e.preventDefault();
            onCancelReply?.();
          } else if (e.key === 'ArrowUp' && text === '' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && onEditLast?.()) {
            e.preventDefault();
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
