import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BYTES_PER_COST, frameCost, SEND_COST, sizeCost } from './frame-cost.js';

describe('frame costs', () => {
  it('charges a frame 1 plus 1 per room it names, and a send more than a read', () => {
    const rooms = Array.from({ length: 500 }, () => ({ roomId: randomUUID(), sinceSeq: 0 }));
    expect(frameCost({ type: 'subscribe', rooms })).toBe(501);
    expect(frameCost({ type: 'subscribe', rooms: rooms.slice(0, 1) })).toBe(2);
    expect(frameCost({ type: 'unsubscribe', roomIds: rooms.slice(0, 3).map((r) => r.roomId) })).toBe(4);
    expect(frameCost({ type: 'send', roomId: randomUUID(), clientMsgId: randomUUID(), body: 'hi' })).toBe(SEND_COST);
    expect(frameCost({ type: 'typing', roomId: randomUUID(), state: 'start' })).toBe(1);
  });

  it('charges an unparsed frame by its size, so a large garbage frame costs more than a small one', () => {
    expect(sizeCost(10)).toBe(1);
    expect(sizeCost(BYTES_PER_COST - 1)).toBe(1);
    expect(sizeCost(64 * 1024)).toBe(5);
  });
});
