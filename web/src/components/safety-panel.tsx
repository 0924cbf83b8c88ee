import { neutralize } from '../../../shared/text/neutralize.js';
import { Button } from './ui/button.js';
import { CopyButton } from './ui/copy-button.js';
import { Dialog, DialogContent } from './ui/dialog.js';
import { Untrusted } from './untrusted-text.js';

/** What comparing safety numbers needs: the number, where it stands, and a way to mark it verified. */
export interface Safety {
  readonly username: string;
  readonly userId: string;
  readonly number: string;
  readonly verified: boolean;
  readonly changed: boolean;
  readonly keys: string[];
}

/** The safety number with another user, to compare out of band; matching numbers mean no one is in between. Closed while `safety` is null. */
export function SafetyDialog({ safety, onVerify, onClose }: { readonly safety: Safety | null; readonly onVerify: () => void; readonly onClose: () => void }) {
  return (
    <Dialog open={safety !== null} onOpenChange={(open) => !open && onClose()}>
      {safety && (
        <DialogContent title={`Safety number with ${neutralize(safety.username)}`}>
          <p className="text-sm">
            Compare this number with <Untrusted text={safety.username} /> (in person, or over a call). If it matches, mark them verified; you will be warned if their devices change.
          </p>
          <p className="font-mono text-lg tracking-wide break-words" aria-label="Safety number">
            {safety.number}
          </p>
          <p className={safety.changed ? 'text-error' : safety.verified ? 'text-ok' : 'text-dim'}>
            {safety.changed ? '⚠ Their devices changed since you verified them.' : safety.verified ? '✓ Verified' : 'Not verified'}
          </p>
          <div className="flex flex-wrap gap-2">
            <CopyButton text={safety.number} label="Copy safety number" />
            <Button onClick={onVerify}>Mark verified</Button>
            <Button variant="secondary" onClick={onClose}>
              Close
            </Button>
          </div>
        </DialogContent>
      )}
    </Dialog>
  );
}
