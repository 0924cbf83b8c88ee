/**
 * Fan-out between server instances. Fire-and-forget: a message may be lost or repeated, so receivers
 * treat it as a hint and check room events against the store by seq (see ws/room-feeds.ts).
 */
export interface Bus {
  publish(channel: string, message: string): Promise<void>;
  /** One handler per channel per bus; subscribing again replaces it. */
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Called after the bus lost and regained its connection, when messages may have been missed. */
  onReconnect(handler: () => void): void;
  close(): Promise<void>;
}

/** The channel names, in one place. */
export const Channels = {
  /** Room events and typing for one room. */
  room: (roomId: string) => `room:${roomId}`,
  /** Presence changes and session revocations, for every instance. */
  control: 'control',
} as const;
