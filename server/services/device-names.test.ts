import { describe, expect, it } from 'vitest';
import { uniqueDeviceName } from './device-names.js';

describe('uniqueDeviceName', () => {
  it('keeps a name no other device has, and numbers one that is taken from 2, the lowest free', () => {
    expect(uniqueDeviceName('chat-cli on laptop', ['phone'])).toBe('chat-cli on laptop');
    expect(uniqueDeviceName('chat-cli on laptop', ['chat-cli on laptop'])).toBe('chat-cli on laptop (2)');
    expect(uniqueDeviceName('chat-cli on laptop', ['chat-cli on laptop', 'chat-cli on laptop (2)'])).toBe('chat-cli on laptop (3)');
    expect(uniqueDeviceName('chat-cli on laptop', ['chat-cli on laptop', 'chat-cli on laptop (3)'])).toBe('chat-cli on laptop (2)');
  });

  it('shortens a long name by whole characters so that it and its suffix fit 64 units', () => {
    const long = `${'x'.repeat(62)}😀`;
    const named = uniqueDeviceName(long, [long]);
    expect(named).toBe(`${'x'.repeat(60)} (2)`);
    expect(named.length).toBeLessThanOrEqual(64);
  });
});
