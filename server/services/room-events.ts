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

/** Tells every instance that these users were added to a room by someone else (a direct message). */
export interface RoomsNotice {
  readonly t: 'rooms';
  readonly userIds: readonly string[];
}

/** Their clients fetch the room list again: they cannot know of a room no one told them about. */
export function publishRoomsChanged(bus: Bus, userIds: readonly string[]): Promise<void> {
  const notice: RoomsNotice = { t: 'rooms', userIds };
  return bus.publish(Channels.control, JSON.stringify(notice));
}
