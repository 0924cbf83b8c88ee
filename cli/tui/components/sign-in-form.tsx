import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import { plainErrorText } from '../../../shared/client/network-failure.js';
import { neutralize } from '../../../shared/text/neutralize.js';
import { KeyInputProvider, useKeys } from '../input/key-input.js';
import { edit } from '../state/line-editor.js';
import type { Theme } from '../state/theme.js';
import { recoveryKeyNotice } from '../../recovery-key-notice.js';

export interface SignInFormProps {
  readonly server: string;
  readonly theme: Theme;
  /**
   * Signs in or registers. Resolves when signed in, with the new account's recovery key when there is
   * one to show (registration); rejects with the reason to show.
   */
  readonly onSubmit: (mode: 'login' | 'register', username: string, password: string) => Promise<string | undefined>;
  /**
   * Called once signed in: at once, or, when `onSubmit` gave a recovery key, after the form has shown
   * it and Enter was pressed.
   */
  readonly onDone: () => void;
  /** Why the form is shown, when it is not the first start (the device was signed out or revoked). */
  readonly note?: string;
}

/**
 * The first screen when there is no session: username and a hidden password; Tab switches between
 * signing in and registering, Enter goes to the next field and then submits. A new account's recovery
 * key is shown in the form until Enter. Keys come through the keypress tokenizer, as in the app.
 */
export function SignInForm(props: SignInFormProps) {
  return (
    <KeyInputProvider>
      <SignInFields {...props} />
    </KeyInputProvider>
  );
}

function SignInFields({ server, theme, onSubmit, onDone, note }: SignInFormProps) {
  // The form lives in a ref and each key is applied in order: a fast typist's (or a script's)
  // "name⏎password⏎" can arrive as one chunk, and must still fill both fields and submit.
  const form = useRef({ mode: 'login' as 'login' | 'register', field: 'username' as 'username' | 'password', username: '', password: '' });
  const [, redraw] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The new account's recovery key, shown until Enter; the ref sees it in a chunk of keys read at once.
  const shownKey = useRef<string | null>(null);
  const [recoveryKey, setRecoveryKey] = useState<string | null>(null);
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
    onSubmit(f.mode, f.username.trim(), f.password).then(
      (key) => {
        if (key === undefined) {
          onDone();
          return;
        }
        shownKey.current = key;
        setRecoveryKey(key);
        setBusy(false);
      },
      (e: unknown) => {
        setError(plainErrorText(e));
        setBusy(false);
      },
    );
  };

  useKeys((key) => {
    if (shownKey.current !== null) {
      if (key.kind === 'key' && !key.ctrl && !key.meta && (key.name === 'return' || key.name === 'linefeed')) onDone();
      return true;
    }
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

  if (recoveryKey !== null) return <RecoveryKeyNotice recoveryKey={recoveryKey} theme={theme} />;

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

/** Groups of the recovery key per line, so that the key never wraps in the middle of a group. */
const GROUPS_PER_LINE = 6;

/** The new account's recovery key in the form, with what losing it means, until Enter. */
function RecoveryKeyNotice({ recoveryKey, theme }: { recoveryKey: string; theme: Theme }) {
  const groups = recoveryKey.split(' ');
  const keyLines: string[] = [];
  for (let i = 0; i < groups.length; i += GROUPS_PER_LINE) keyLines.push(groups.slice(i, i + GROUPS_PER_LINE).join(' '));
  // The notice's own lines: its title, then the advice as one paragraph that Ink wraps at word ends.
  const [title, ...rest] = recoveryKeyNotice(recoveryKey).filter((line) => line !== '' && !line.includes(recoveryKey));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.accent} paddingX={2} paddingY={1} width={60}>
      <Text bold>{title}</Text>
      <Text> </Text>
      {keyLines.map((line, i) => (
        <Text key={i} bold color={theme.accent}>
          {'  '}
          {line}
        </Text>
      ))}
      <Text> </Text>
      <Text>{rest.join(' ')}</Text>
      <Text> </Text>
      <Text color={theme.dim}>Press Enter once you have written it down.</Text>
    </Box>
  );
}
