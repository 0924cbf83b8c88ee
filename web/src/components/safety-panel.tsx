import { neutralize } from '../../../shared/text/neutralize.js';
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

/** The safety number with another user, to compare out of band; matching numbers mean no one is in between. */
export function SafetyPanel({ safety, onVerify, onClose }: { readonly safety: Safety; readonly onVerify: () => void; readonly onClose: () => void }) {
  return (
    <section className="safety" aria-label={`Safety number with ${neutralize(safety.username)}`}>
      <p>
        Compare this number with <Untrusted text={safety.username} /> (in person, or over a call). If it matches, mark them verified; you will be warned if their devices change.</p>
      <p className="number">{safety.number}</p>
      <p>{safety.changed ? '⚠ Their devices changed since you verified them.' : safety.verified ? '✓ Verified' : 'Not verified'}</p>
      <button type="button" onClick={onVerify}>
        Mark verified
      </button>{' '}
      <button type="button" onClick={onClose}>
        Close
      </button>
    </section>
  );
}
