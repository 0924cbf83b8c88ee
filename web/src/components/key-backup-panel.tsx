import { useState } from 'react';
import type { KeyBackup } from '../../../shared/client/index.js';

/** The words shown with a new recovery key, the same promise the CLI makes. */
const LOSS_WARNING =
  'Write it down and keep it somewhere safe, away from this computer. On a new device it brings back the private messages you could read. If you lose this key and every device you are signed in on, your private-message history is lost for good: no one, the server included, can recover it.';

/**
 * The key backup prompt: restore the backup on this browser with the recovery key, or make the backup
 * (or replace its recovery key) and show the new key once. `onDone` gets a line for the status note.
 */
export function KeyBackupPanel({
  backup,
  fresh,
  onDone,
  onClose,
}: {
  readonly backup: KeyBackup;
  /** A recovery key just made (a new account's first backup), to show at once. */
  readonly fresh?: string | null | undefined;
  readonly onDone: (note: string) => void;
  readonly onClose: () => void;
}) {
  const [shown, setShown] = useState<string | null>(fresh ?? null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    work().then(
      () => setBusy(false),
      (e: unknown) => (setBusy(false), setError((e as Error).message)),
    );
  };
  return (
    <section className="key-backup" aria-label="Key backup">
      {shown ? (
        <>
          <p>Your recovery key, shown this once:</p>
          <p className="number" aria-label="Recovery key">
            {shown}
          </p>
          <p>{LOSS_WARNING}</p>
          <button type="button" onClick={() => (setShown(null), onClose())}>
            I have written it down
          </button>
        </>
      ) : (
        <>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const input = e.currentTarget.elements.namedItem('recovery-key') as HTMLInputElement;
              const text = input.value;
              run(async () => {
                const report = await backup.restore(text);
                input.value = '';
                onDone(`Key backup restored: ${report.added + report.extended} room keys brought here${report.refused > 0 ? `, ${report.refused} entries refused (altered or not yours)` : ''}. Reload the page to read the earlier messages.`);
                onClose();
              });
            }}
          >
            <label>
              Recovery key
              <input name="recovery-key" autoComplete="off" spellCheck={false} placeholder="XXXX XXXX XXXX …" />
            </label>
            <button type="submit" disabled={busy}>
              Restore on this browser
            </button>
          </form>
          <p>No backup yet, or the key leaked? A new recovery key re-encrypts the backup; the old key stops working.</p>
          <button type="button" disabled={busy} onClick={() => run(async () => setShown((await backup.create()).recoveryKey))}>
            Make a new recovery key
          </button>{' '}
          <button type="button" onClick={onClose}>
            Close
          </button>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
        </>
      )}
    </section>
  );
}
