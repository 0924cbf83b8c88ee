import type { ClientFrame } from './ws-frames.js';

/** What a `send` costs: a write transaction and a fan-out, worth several reads. */
export const SEND_COST = 4;

/**
 * What a client frame costs against the server's rate limits, in units of about one store read:
 * 1 for the frame, plus 1 per room a `subscribe` or `unsubscribe` names; a `send` costs SEND_COST.
 * So one frame of 500 rooms counts as much as 500 frames of one.
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
      return 1;
    default: {
      const unreachable: never = frame;
      throw new Error(`unknown frame ${JSON.stringify(unreachable)}`);
    }
  }
}
