import type { RoomEvent } from './events.js';
import type { ServerFrame } from './ws-frames.js';

declare const encodedFrame: unique symbol;
declare const encodedEvent: unique symbol;

/**
 * One whole server → client frame as JSON text, made only by `encodeServerFrame` or
 * `encodeEventFrame`: a socket's send path takes this type, so nothing hand-built reaches the wire.
 */
export type EncodedFrame = string & { readonly [encodedFrame]: true };

/** One room event as JSON text, made only by `encodeEvent`: serialized once, shared by every recipient. */
export type EncodedEvent = string & { readonly [encodedEvent]: true };

/**
 * Serializes a server frame (typed by the `ServerFrame` schema the client parses). Fan-out callers
 * encode once and hand the same text to every recipient.
 */
export function encodeServerFrame(frame: ServerFrame): EncodedFrame {
  return JSON.stringify(frame) as EncodedFrame;
}

/** Serializes a room event once, for `encodeEventFrame` to embed in any number of frames. */
export function encodeEvent(event: RoomEvent): EncodedEvent {
  return JSON.stringify(event) as EncodedEvent;
}

/**
 * The frame carrying consecutive events, built by joining bytes already serialized (no event is
 * serialized again): an `event` frame for one, a `batch` frame for several. Throws `RangeError` for none.
 */
export function encodeEventFrame(events: readonly EncodedEvent[]): EncodedFrame {
  if (events.length === 0) throw new RangeError('an event frame carries at least one event');
  if (events.length === 1) return `{"type":"event","event":${events[0] as string}}` as EncodedFrame;
  return `{"type":"batch","events":[${events.join(',')}]}` as EncodedFrame;
}
