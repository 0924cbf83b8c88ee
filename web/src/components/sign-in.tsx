import { useState } from 'react';
import type { FormEvent } from 'react';
import type { ApiClient } from '../../../shared/client/index.js';
import { Button } from './ui/button.js';
import { Input } from './ui/input.js';
import { Label } from './ui/label.js';
import { Untrusted } from './untrusted-text.js';

/**
 * Sign in or register; the password goes to the server once and is never kept. The server's refusal
 * is about the name and password it was sent, so it is cleared as soon as either is changed (or the
 * form switches between sign-in and register): an answer about `Erin_` never stands under `frank`.
 */
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
    <main className="mx-auto mt-[10vh] grid w-full max-w-sm gap-4 p-4">
      <h1 className="text-2xl font-semibold">chat</h1>
      {note && (
        <p className="text-dim">
          <Untrusted text={note} />
        </p>
      )}
      <form onSubmit={submit} aria-label={mode === 'login' ? 'Sign in' : 'Register'} className="grid gap-3">
        <Label>
          Username
          <Input name="username" autoComplete="username" required value={username} onChange={(e) => {
              setUsername(e.target.value);
              setError(null);
            }} />
        </Label>
        <Label>
          Password
          <Input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 8 : 1}
            value={password}
            onChange={(e) => {
              setPassword(e.target.value);
              setError(null);
            }}
          />
        </Label>
        {error && (
          <p className="text-sm text-error" role="alert">
            <Untrusted text={error} />
          </p>
        )}
        <Button type="submit" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Register'}
        </Button>
      </form>
      <Button variant="link" className="justify-self-start" onClick={() => {
          setMode(mode === 'login' ? 'register' : 'login');
          setError(null);
        }}>
        {mode === 'login' ? 'New here? Register' : 'Have an account? Sign in'}
      </Button>
    </main>
  );
}
