import { describe, expect, it } from 'vitest';
import { SENDER_HUES, senderHue, stableIndex } from './sender-colour.js';

describe('sender colours', () => {
  it('gives a user one hue whatever the case, and spreads users over every hue', () => {
    expect(senderHue('Bob')).toBe(senderHue('bob'));
    const hues = new Set(Array.from({ length: 60 }, (_, i) => senderHue(`user${i}`)));
    expect([...hues].sort()).toEqual([...SENDER_HUES].sort());
  });

  it('keeps the hash the terminal client has always used', () => {
    // h = 'a'(97) * 31 + 'b'(98) = 3105; 3105 % 6 = 3.
    expect(stableIndex('ab', 6)).toBe(3);
    expect(senderHue('AB')).toBe('green');
  });
});
