import { describe, expect, it } from 'vitest';
import { relationError } from './message-service.js';

const ID = '00000000-0000-4000-8000-000000000010';

// `chat edit general 10 x` on a reaction said "cannot be the target of a edit".
describe('the words of a refused relation', () => {
  it('puts the right article before every relation type', () => {
    const says = (conflict: 'target_not_message' | 'target_other_room', type: string) => relationError(conflict, { type, eventId: ID } as never, 'general', 10).message;
    expect(says('target_not_message', 'edit')).toBe('event 10 in #general is not a message (an edit, reaction or membership event cannot be the target of an edit)');
    expect(says('target_not_message', 'reaction')).toMatch(/the target of a reaction\)$/);
    expect(says('target_not_message', 'reply')).toMatch(/the target of a reply\)$/);
    expect(says('target_not_message', 'delete')).toMatch(/the target of a delete\)$/);
    expect(says('target_other_room', 'edit')).toBe('that message is in another room: an edit names a message of #general');
    expect(says('target_other_room', 'reply')).toBe('that message is in another room: a reply names a message of #general');
  });
});
