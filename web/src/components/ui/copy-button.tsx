import { useState } from 'react';
import { Button } from './button.js';

/**
 * Copies `text` to the clipboard and says so ("Copied") for a moment; where the page may not write
 * the clipboard it says that instead, and the text stays on screen to copy by hand.
 */
export function CopyButton({ text, label }: { readonly text: string; readonly label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <Button
      variant="secondary"
      size="sm"
      aria-label={label}
      onClick={() => {
        navigator.clipboard.writeText(text).then(
          () => setState('copied'),
          () => setState('failed'),
        );
        setTimeout(() => setState('idle'), 2_000);
      }}
    >
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy it' : 'Copy'}</span>
    </Button>
  );
}
