import { useEffect, useRef, useState } from 'react';
import type { KeyBackup } from '../../../shared/client/index.js';
import { Button } from './ui/button.js';
import { CopyButton } from './ui/copy-button.js';
import { Input } from './ui/input.js';

/** The words shown with a new recovery key, the same promise the CLI makes. */
const LOSS_WARNING =
  'Write it down and keep it somewhere safe, away from this computer. On a new device it brings back the private messages you could read. If you lose this key and every device you are signed in on, your private-message history is lost for good: no one, the server included, can recover it.';

/**
 * The key backup prompt: restore the backup on this browser with the recovery key, or make the backup
 * (or replace its recovery key) and show the new key once. `onDone` gets a line for the status note.
 * Escape (focus inside) or Close dismisses it, except while a new key is shown: that takes "I have written it down".
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
  const section = useRef<HTMLElement>(null);
  // Opened from its button, the focus moves into the panel, so Escape closes it and a screen reader
  // reads it next. A new key's panel opens by itself (after registering) and takes no focus: the user
  // may be typing elsewhere by then.
  useEffect(() => {
    if (!fresh) section.current?.focus();
  }, []);
  const run = (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    work().then(
      () => setBusy(false),
      (e: unknown) => (setBusy(false), setError((e as Error).message)),
    );
  };
  return (
    <section ref={section} tabIndex={-1} className="panel-sheet grid gap-2 overflow-y-auto border-b border-line bg-panel px-3 pb-3 text-sm md:px-4" aria-labelledby="key-backup-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !shown) {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="panel-head flex min-w-0 items-center gap-2 pt-3 pb-1">
        <h2 id="key-backup-title" className="m-0 mr-auto text-base font-semibold">
          Key backup
        </h2>
        {!shown && (
          <Button variant="secondary" size="sm" onClick={onClose}>
            Close
          </Button>
        )}
      </div>
      {shown ? (
        <>
          <p className="m-0 font-semibold">Your recovery key, shown this once:</p>
          <div className="flex flex-wrap items-center gap-2">
            <p className="m-0 min-w-0 font-mono text-base break-words select-all" aria-label="Recovery key">
              {shown}
            </p>
            <CopyButton text={shown} label="Copy recovery key" />
          </div>
          <p className="m-0 text-dim">{LOSS_WARNING}</p>
          <div>
            <Button onClick={() => (setShown(null), onClose())}>I have written it down</Button>
          </div>
        </>
      ) : (
        <>
          <form
            className="flex flex-wrap items-end gap-2"
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
            <label className="grid min-w-0 flex-1 gap-1">
              Recovery key
              <Input name="recovery-key" autoComplete="off" spellCheck={false} placeholder="XXXX XXXX XXXX …" />
            </label>
            <Button type="submit" disabled={busy}>
              Restore on this browser
            </Button>
          </form>
          <p className="m-0 text-dim">No backup yet, or the key leaked? A new recovery key re-encrypts the backup; the old key stops working.</p>
          <div className="flex flex-wrap gap-2">
            <Button variant="secondary" disabled={busy} onClick={() => run(async () => setShown((await backup.create()).recoveryKey))}>
              Make a new recovery key
            </Button>
          </div>
          {error && (
            <p role="alert" className="m-0 text-error">
              {error}
            </p>
          )}
        </>
      )}
    </section>
  );
}
