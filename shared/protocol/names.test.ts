import { describe, expect, it } from 'vitest';
import { Username, usernameSkeleton } from './names.js';

describe('usernameSkeleton', () => {
  it('reads case, "." "_" "-", 0 for o and 1 for l as the same name', () => {
    for (const alike of ['bob', 'Bob', 'bob_', 'Bob.', 'b.o.b', 'b-o_b', 'b0b', 'B0B-']) expect(usernameSkeleton(alike)).toBe('bob');
    expect(usernameSkeleton('a1ice')).toBe(usernameSkeleton('alice'));
  });

  it('keeps names apart that read differently', () => {
    expect(usernameSkeleton('bobby')).not.toBe(usernameSkeleton('bob'));
    expect(usernameSkeleton('ann2')).not.toBe(usernameSkeleton('ann'));
    // Not folded (documented): capital I is an i once case is folded, not an l.
    expect(usernameSkeleton('Ian')).not.toBe(usernameSkeleton('lan'));
  });

  it('applies to the ASCII names Username allows, so no Unicode look-alike gets that far', () => {
    expect(Username.safeParse('bоb').success).toBe(false); // a Cyrillic о
    expect(Username.safeParse('bob_').success).toBe(true);
  });
});
