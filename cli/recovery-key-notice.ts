/**
 * What the CLI says when it shows a recovery key (after `chat register`, `chat keys backup` and the
 * TUI's registration, where the sign-in form shows them): the key itself once, and plainly what losing
 * it means. Lines for stderr.
 */
export function recoveryKeyNotice(recoveryKey: string, rotated = false): string[] {
  return [
    '',
    rotated ? 'Your NEW recovery key (the old one no longer opens your key backup):' : 'Your recovery key, shown this once:',
    '',
    `    ${recoveryKey}`,
    '',
    'Write it down and keep it somewhere safe, away from this computer. It unlocks the encrypted backup of',
    'your keys: on a new device, `chat keys restore` with it brings back the private messages you could read.',
    'If you lose this key and every device you are signed in on, your private-message history is lost for',
    'good: no one, the server included, can recover it. `chat keys backup` makes a new key if this one leaks.',
    '',
  ];
}
