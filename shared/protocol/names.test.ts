import { describe, expect, it } from 'vitest';
import { roomTitle, shownRole, Username, usernameSkeleton } from './names.js';

describe('usernameSkeleton', () => {
  it('reads case, "." "_" "-", 0 for o and 1 for l as the same name', () => {
    for (const alike of ['bob', 'Bob', 'bob_', 'Bob.', 'b.o.b', 'b-o_b', 'b0b', 'B0B-']) expect(usernameSkeleton(alike)).toBe('bob');
    expect(usernameSkeleton('a1ice')).toBe(usernameSkeleton('alice'));
  });

  // `aIice` (capital I) and `al1ce` (digit 1 for i) registered next to `alice`: only 1 was read as l.
  it('reads capital I, small i and l, the digit 1 and "|" as one letter', () => {
    for (const alike of ['alice', 'aIice', 'al1ce', 'a1ice', 'ALICE', 'aiice', 'alIce', 'a|ice']) expect(usernameSkeleton(alike)).toBe('allce');
    expect(usernameSkeleton('Ian')).toBe(usernameSkeleton('lan'));
  });

  it('keeps names apart that read differently', () => {
    expect(usernameSkeleton('bobby')).not.toBe(usernameSkeleton('bob'));
    expect(usernameSkeleton('ann2')).not.toBe(usernameSkeleton('ann'));
    // Not folded (documented): letter pairs.
    expect(usernameSkeleton('rnary')).not.toBe(usernameSkeleton('mary'));
  });

  it('applies to the ASCII names Username allows, so no Unicode look-alike gets that far', () => {
    expect(Username.safeParse('bоb').success).toBe(false); // a Cyrillic о
    expect(Username.safeParse('bob_').success).toBe(true);
  });
});

describe('shownRole', () => {
  it('shows no role in a direct message, which nobody owns, and the role elsewhere', () => {
    expect(shownRole({ visibility: 'private', name: 'dm-0123456789abcdef' }, 'owner')).toBeNull();
    expect(shownRole({ visibility: 'private', name: 'plans' }, 'owner')).toBe('owner');
    expect(shownRole({ visibility: 'open', name: 'dm-like' }, 'member')).toBe('member');
  });
});

// Users must never see a direct message's stored `dm-…` name.
describe('roomTitle', () => {
  it('names a direct message by the other person, and never by its stored name when that person is not known', () => {
    const dm = { visibility: 'private', name: 'dm-0123456789abcdef' };
    expect(roomTitle(dm, 'dana')).toBe('@dana');
    expect(roomTitle(dm, undefined)).toBe('a direct message');
    // A name alone (a search hit of a room since left, a link): the `dm-` prefix is the DMs' only.
    expect(roomTitle({ visibility: 'open', name: 'dm-0123456789abcdef' }, null)).toBe('a direct message');
    expect(roomTitle({ visibility: 'private', name: 'plans' }, 'dana')).toBe('#plans');
    expect(roomTitle({ visibility: 'open', name: 'general' }, null)).toBe('#general');
  });
});
