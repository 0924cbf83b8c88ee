import { describe, expect, it } from 'vitest';
import { TYPING_REFRESH_MS, TypingThrottle } from './typing-throttle.js';

describe('TypingThrottle', () => {
  it('sends a start at most every few seconds while typing, one stop when cleared, and starts afresh after a send', () => {
    let now = 0;
    const frames: string[] = [];
    const t = new TypingThrottle((room, state) => frames.push(`${room}:${state}`), () => now);
    t.update('a', true);
    now += 1000;
    t.update('a', true);
    now += TYPING_REFRESH_MS;
    t.update('a', true);
    t.update('a', false);
    t.update('a', false);
    t.update('a', true);
    t.sent('a');
    t.update('a', true);
    expect(frames).toEqual(['a:start', 'a:start', 'a:stop', 'a:start', 'a:start']);
  });
});
