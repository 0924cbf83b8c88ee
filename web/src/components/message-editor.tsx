import { useState } from 'react';
import { Textarea } from './ui/input.js';

/**
 * Editing a message in place: a text box with its current text; Enter saves, Shift+Enter starts a new
 * line, Escape cancels. `onSave` rejecting keeps the box open with the reason.
 */
export function MessageEditor({ initial, onSave, onCancel }: { readonly initial: string; readonly onSave: (text: string) => Promise<void>; readonly onCancel: () => void }) {
  const [text, setText] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const save = () => {
    const body = text.trim();
    if (!body) return;
    if (body === initial.trim()) return onCancel();
    onSave(body).catch((e: unknown) => setError((e as Error).message));
  };
  return (
    <span className="message-editor mt-0.5 grid gap-1">
      <Textarea
        aria-label="Edit message"
        // Focus moves into the editor as it opens (from Edit or Up in the composer).
        autoFocus
        rows={Math.min(6, text.split('\n').length + 1)}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onFocus={(e) => e.currentTarget.setSelectionRange(e.currentTarget.value.length, e.currentTarget.value.length)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            onCancel();
          } else if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            save();
          }
        }}
      />
      <span className="text-xs text-dim">Enter saves · Escape cancels</span>
      {error && (
        <span className="text-sm text-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
