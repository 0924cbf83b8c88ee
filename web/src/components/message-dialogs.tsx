import { useEffect, useState } from 'react';
import type { MessageView } from '../../../shared/client/index.js';
import { isReactionKey } from '../../../shared/protocol/index.js';
import { Button } from './ui/button.js';
import { Dialog, DialogClose, DialogContent } from './ui/dialog.js';
import { Input } from './ui/input.js';
import { Label } from './ui/label.js';
import { QUICK_REACTIONS } from '../../../shared/text/quick-reactions.js';

/** The emoji offered at once in the reaction picker: every client's list (shared/text/quick-reactions.ts). */
export { QUICK_REACTIONS } from '../../../shared/text/quick-reactions.js';

/**
 * Picking a reaction for a message: the quick emoji as buttons (pressed when this user gave it
 * already: choosing it takes it back), and a field for any other single emoji (checked with
 * `isReactionKey` before it is sent). Open while `view` is set.
 */
export function ReactionPickerDialog({ view, onPick, onClose }: { readonly view: MessageView | null; readonly onPick: (view: MessageView, key: string) => void; readonly onClose: () => void }) {
  const [other, setOther] = useState('');
  useEffect(() => setOther(''), [view]);
  const mine = new Set(view?.reactions.filter((r) => r.mineSeq !== null).map((r) => r.key));
  const pick = (key: string) => {
    if (!view) return;
    onPick(view, key);
    onClose();
  };
  const typed = other.trim();
  const valid = isReactionKey(typed);
  return (
    <Dialog open={view !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent title="React to the message" description="Choose an emoji, or type one. Choosing one you gave takes it back.">
        <div className="flex flex-wrap gap-1" role="group" aria-label="Quick reactions">
          {QUICK_REACTIONS.map((key) => (
            <Button key={key} variant="secondary" size="icon" className="text-lg" aria-pressed={mine.has(key)} aria-label={key} onClick={() => pick(key)}>
              {key}
            </Button>
          ))}
        </div>
        <form
          className="grid gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) pick(typed);
          }}
        >
          <Label htmlFor="reaction-other">Another emoji</Label>
          <div className="flex gap-2">
            <Input id="reaction-other" value={other} maxLength={64} autoComplete="off" aria-invalid={typed !== '' && !valid} aria-describedby="reaction-other-note" onChange={(e) => setOther(e.target.value)} />
            <Button type="submit" disabled={!valid}>
              React
            </Button>
          </div>
          <p id="reaction-other-note" className="text-sm text-dim">
            {typed !== '' && !valid ? 'One emoji only (or one of + - ? ! ✓ ✗ ★ ♥).' : 'One emoji, from your keyboard’s emoji picker.'}
          </p>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Asking before a message is deleted for good (its text leaves the server and every device). Open while `view` is set. */
export function DeleteMessageDialog({ view, onConfirm, onClose }: { readonly view: MessageView | null; readonly onConfirm: (view: MessageView) => void; readonly onClose: () => void }) {
  return (
    <Dialog open={view !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent title="Delete this message?" description="It is removed for good, from the server and from everyone’s devices; a “message deleted” note stays in its place.">
        <div className="flex justify-end gap-2">
          <DialogClose asChild>
            <Button variant="secondary">Cancel</Button>
          </DialogClose>
          <Button
            variant="danger"
            onClick={() => {
              if (view) onConfirm(view);
              onClose();
            }}
          >
            Delete
          </Button>
        </div>
      </DialogContent>
    </Dialog>
  );
}
