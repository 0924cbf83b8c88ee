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

  it('numbers a taken name that already ends in a number from its base: "(3)", not "(2) (2)"', () => {
    const taken = ['chat-cli on vm', 'chat-cli on vm (2)'];
    expect(uniqueDeviceName('chat-cli on vm (2)', taken)).toBe('chat-cli on vm (3)');
    expect(uniqueDeviceName('chat-cli on vm (2)', ['chat-cli on vm (2)'])).toBe('chat-cli on vm (3)');
    expect(uniqueDeviceName('chat-cli on vm (5)', taken)).toBe('chat-cli on vm (5)');
    expect(uniqueDeviceName('(2)', ['(2)'])).toBe('(2) (2)');
  });

  it('counts names that differ only by case, invisible characters or spacing as the same', () => {
    expect(uniqueDeviceName('Laptop', ['laptop'])).toBe('Laptop (2)');
    expect(uniqueDeviceName('lap\u200btop', ['laptop'])).toBe('lap\u200btop (2)');
    expect(uniqueDeviceName('laptop\u2060', ['laptop', 'LAPTOP (2)'])).toBe('laptop\u2060 (3)');
    expect(uniqueDeviceName('my  laptop', ['my laptop'])).toBe('my  laptop (2)');
    expect(uniqueDeviceName('phone', ['laptop'])).toBe('phone');
  });
});
