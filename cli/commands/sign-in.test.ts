import { describe, expect, it } from 'vitest';
import { signedInLines } from './sign-in.js';

const done = { user: { username: 'alice' }, deviceId: 'dev-1', resumed: false, server: 'http://localhost:8787', keystoreDescription: 'the OS keychain', backup: true };

describe('chat login on a new device', () => {
  it('names both ways to bring it the keys: approval from a signed-in device, and the recovery key', () => {
    const text = signedInLines('login', done).join('\n');
    expect(text).toContain('`chat devices request` here and `chat devices approve` on a device that is signed in already');
    expect(text).toContain('`chat keys restore` with your recovery key');
  });

  it('names approval alone without a key backup, and nothing for a resumed device or a new account', () => {
    expect(signedInLines('login', { ...done, backup: false }).join('\n')).toMatch(/chat devices approve/);
    expect(signedInLines('login', { ...done, backup: false }).join('\n')).not.toMatch(/keys restore/);
    expect(signedInLines('login', { ...done, resumed: true }).join('\n')).not.toMatch(/devices approve|keys restore/);
    expect(signedInLines('register', { ...done, backup: false })).toHaveLength(1);
  });
});
