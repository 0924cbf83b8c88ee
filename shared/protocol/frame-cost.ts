import type { ClientFrame } from './ws-frames.js';

/** What a `send` costs: a write transaction and a fan-out, worth several reads. */
export const SEND_COST = 4;
/** Before it is parsed, a frame is charged 1 per started this many bytes (parsing is work too). */
export const BYTES_PER_COST = 16 * 1024;

/** What a frame of `bytes` costs before it is parsed: 1, plus 1 per full BYTES_PER_COST. */
export function sizeCost(bytes: number): number {
  return 1 + Math.floor(bytes / BYTES_PER_COST);
}

/**
 * What a client frame costs against the server's rate limits, in units of about one store read:
 * 1 for the frame, plus 1 per room a `subscribe` or `unsubscribe` names; a `send` costs SEND_COST.
 * So one frame of 500 rooms counts as much as 500 frames of one. A frame is charged the larger of
 * this and its `sizeCost`.
 */
export function frameCost(frame: ClientFrame): number {
  switch (frame.type) {
    case 'subscribe':
      return 1 + frame.rooms.length;
    case 'unsubscribe':
      return 1 + frame.roomIds.length;
    case 'send':
      return SEND_COST;
    case 'typing':
    case 'reauth':
      return 1;
    default: {
      const unreachable: never = frame;
      throw new Error(`unknown frame ${JSON.stringify(unreachable)}`);
    }
  }
}
