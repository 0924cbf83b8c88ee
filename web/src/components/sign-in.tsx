import { useState } from 'react';
import type { FormEvent } from 'react';
import type { ApiClient } from '../../../shared/client/index.js';
import { Untrusted } from './untrusted-text.js';

/** Sign in or register; the password goes to the server once and is never kept. */
export function SignIn({ api, note, onSignedIn }: { readonly api: ApiClient; readonly note: string | null; readonly onSignedIn: () => Promise<void> }) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const deviceName = `web (${navigator.userAgent.includes('Mobile') ? 'mobile' : 'browser'})`;
      if (mode === 'login') await api.login({ username, password, deviceName });
      else await api.register({ username, password, deviceName });
      await onSignedIn();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>chat</h1>
      {note && (
        <p className="note">
          <Untrusted text={note} />
        </p>
      )}
      <form onSubmit={submit} aria-label={mode === 'login' ? 'Sign in' : 'Register'}>
        <label>
          Username
          <input name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 8 : 1}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            <Untrusted text={error} />
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Register'}
        </button>
      </form>
      <button type="button" className="link" onClick={() => setMode(mode === 'login' ? 'register' : 'login')}>
        {mode === 'login' ? 'New here? Register' : 'Have an account? Sign in'}
      </button>
    </main>
  );
}
