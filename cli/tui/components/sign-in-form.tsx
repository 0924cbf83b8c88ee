import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import { neutralize } from '../../../shared/text/neutralize.js';
import { KeyInputProvider, useKeys } from '../input/key-input.js';
import { edit } from '../state/line-editor.js';
import type { Theme } from '../state/theme.js';

export interface SignInFormProps {
  readonly server: string;
  readonly theme: Theme;
  /** Resolves when signed in; rejects with the reason to show. */
  readonly onSubmit: (mode: 'login' | 'register', username: string, password: string) => Promise<void>;
  /** Why the form is shown, when it is not the first start (the device was signed out or revoked). */
  readonly note?: string;
}

/**
 * The first screen when there is no session: username and a hidden password; Tab switches between
 * signing in and registering, Enter goes to the next field and then submits. Keys come through the
 * keypress tokenizer, as in the app.
 */
export function SignInForm(props: SignInFormProps) {
  return (
    <KeyInputProvider>
      <SignInFields {...props} />
    </KeyInputProvider>
  );
}

function SignInFields({ server, theme, onSubmit, note }: SignInFormProps) {
  // The form lives in a ref and each key is applied in order: a fast typist's (or a script's)
  // "name⏎password⏎" can arrive as one chunk, and must still fill both fields and submit.
  const form = useRef({ mode: 'login' as 'login' | 'register', field: 'username' as 'username' | 'password', username: '', password: '' });
  const [, redraw] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { mode, field, username, password } = form.current;

  const enter = () => {
    const f = form.current;
    if (f.field === 'username') {
      f.field = 'password';
      return;
    }
    if (!f.username || !f.password) {
      setError('enter a username and a password');
      return;
    }
    setBusy(true);
    setError(null);
    onSubmit(f.mode, f.username.trim(), f.password).catch((e: unknown) => {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    });
  };

  useKeys((key) => {
    if (busy) return true;
    const f = form.current;
    if (key.kind === 'text' || key.kind === 'paste') f[f.field] += key.text.replace(/\n/g, '');
    else if (key.kind !== 'key' || key.ctrl || key.meta) return false;
    else if (key.name === 'tab') f.mode = f.mode === 'login' ? 'register' : 'login';
    else if (key.name === 'up' || key.name === 'down') f.field = f.field === 'username' ? 'password' : 'username';
    else if (key.name === 'return' || key.name === 'linefeed') enter();
    else if (key.name === 'backspace') f[f.field] = edit({ text: f[f.field], cursor: f[f.field].length }, 'backward-delete-char').text;
    else return false;
    redraw((n) => n + 1);
    return true;
  });

  const row = (name: 'username' | 'password', label: string, shown: string) => (
    <Text>
      <Text color={field === name ? theme.accent : theme.dim}>{field === name ? '› ' : '  '}{label.padEnd(10)}</Text>
      {shown}
      {field === name && !busy ? <Text inverse> </Text> : null}
    </Text>
  );

  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={2} paddingY={1} width={60}>
      <Text bold>{mode === 'login' ? 'Sign in' : 'Create an account'} on {server}</Text>
      <Text color={theme.dim}>Tab: {mode === 'login' ? 'create an account instead' : 'sign in instead'}</Text>
      {note ? <Text color={theme.error}>{neutralize(note)}</Text> : null}
      <Text> </Text>
      {row('username', 'Username', username)}
      {row('password', 'Password', '•'.repeat(password.length))}
      <Text> </Text>
      {busy ? <Text color={theme.dim}>{mode === 'login' ? 'Signing in…' : 'Creating the account…'}</Text> : null}
      {error ? <Text color={theme.error}>{neutralize(error)}</Text> : null}
    </Box>
  );
}
