import { describe, expect, it } from 'vitest';
import { meAction } from './action.js';

describe('meAction', () => {
  it('takes the action out of a /me message, and leaves any other text alone', () => {
    expect(meAction('/me waves')).toBe('waves');
    expect(meAction('/me  waves at **bob**')).toBe('waves at **bob**');
    expect(meAction('/me')).toBeNull();
    expect(meAction('/me   ')).toBeNull();
    expect(meAction('/meow')).toBeNull();
    expect(meAction('hello /me waves')).toBeNull();
  });
});
