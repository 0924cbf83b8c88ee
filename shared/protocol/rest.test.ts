import { describe, expect, it } from 'vitest';
import { invalidRequest } from './chat-error.js';
import { LoginRequest, RegisterRequest } from './rest.js';

/** The message a user would see for a request body, or 'ok'. */
function refusal(schema: typeof RegisterRequest | typeof LoginRequest, body: unknown): string {
  const result = schema.safeParse(body);
  return result.success ? 'ok' : invalidRequest(result.error.issues).message;
}

describe('device names in sign-in requests', () => {
  it('refuses a blank name, or one of only invisible characters, in plain words', () => {
    for (const deviceName of ['   ', '', '\u200b', ' \u200b\u2060 ']) {
      expect(refusal(RegisterRequest, { username: 'alice', password: 'password123', deviceName })).toBe('deviceName: a device name cannot be empty');
    }
    expect(refusal(LoginRequest, { username: 'alice', password: 'x', deviceName: 'x'.repeat(65) })).toBe('deviceName: a device name has at most 64 characters');
    expect(refusal(LoginRequest, { username: 'alice', password: 'x', deviceName: ' laptop\u200b ' })).toBe('ok');
  });

  it('says a missing username or password plainly', () => {
    expect(refusal(LoginRequest, { username: '', password: 'x' })).toBe('username: give a username');
    expect(refusal(LoginRequest, { username: 'alice', password: '' })).toBe('password: give a password');
  });
});
