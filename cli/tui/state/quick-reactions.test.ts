import { describe, expect, it } from 'vitest';
import { QUICK_REACTIONS as WEB } from '../../../web/src/components/message-dialogs.js';
import { QUICK_REACTIONS as TUI } from './message-actions.js';

describe('quick reactions', () => {
  it('are the same emoji, in the same order, in the TUI and on the web page', () => {
    expect(TUI).toEqual(WEB);
    // The TUI picks them with the keys 1–9.
    expect(TUI.length).toBeLessThanOrEqual(9);
  });
});
