import { describe, expect, it } from 'vitest';
import type { SearchHit } from '../../../shared/protocol/index.js';
import { searchStatusText } from './search-panel.js';

const hit = { eventId: 'e1' } as unknown as SearchHit;

describe('searchStatusText', () => {
  // An unverified browser said "2 results" and, at most, "2 private messages not searchable yet (keys not arrived)".
  it('says how many private messages and rooms this browser could not search, and how to bring their keys', () => {
    expect(searchStatusText({ hits: [hit, hit], waiting: 2, waitingRooms: 1, device: 'unapproved' })).toBe(
      '2 results · 2 messages in 1 private room could not be searched on this device yet: this device is not approved, so no keys are shared with it; approve this browser from another of your devices or enter your recovery key (Verify with the recovery key, above).',
    );
    expect(searchStatusText({ hits: [], waiting: 5, waitingRooms: 2, device: 'approved' })).toBe(
      "No messages found · 5 messages in 2 private rooms could not be searched on this device yet: their keys have not reached this device; they are searched once they come from the senders' devices, or restore your key backup with your recovery key (Key backup).",
    );
  });

  it('says only the count when every private message was searched', () => {
    expect(searchStatusText({ hits: [hit], waiting: 0, waitingRooms: 0, device: null })).toBe('1 result');
  });
});
