import type { RoomEvent } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { Channels } from '../bus/bus.js';

/** What travels on a room's bus channel. */
export type RoomBusMessage =
  | { readonly t: 'event'; readonly event: RoomEvent }
  | { readonly t: 'typing'; readonly user: { id: string; username: string }; readonly state: 'start' | 'stop'; readonly connectionId: string };

/** Announces a committed event to every instance. Called only after the store committed it. */
export function publishRoomEvent(bus: Bus, event: RoomEvent): Promise<void> {
  const message: RoomBusMessage = { t: 'event', event };
  return bus.publish(Channels.room(event.roomId), JSON.stringify(message));
}

/**
 * Tells every instance that these users' room lists changed: someone added them to a room (a direct
 * message), removed them, or they joined, left or created one on one of their devices.
 */
export interface RoomsNotice {
  readonly t: 'rooms';
  readonly userIds: readonly string[];
}

/** Their clients (every device) fetch the room list again: they cannot know of a room no one told them about. */
export function publishRoomsChanged(bus: Bus, userIds: readonly string[]): Promise<void> {
  const notice: RoomsNotice = { t: 'rooms', userIds };
  return bus.publish(Channels.control, JSON.stringify(notice));
}
