import type { RoomEvent } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { publishControl, publishRoomMessage } from '../bus/messages.js';

/** Announces a committed event to every instance. Called only after the store committed it. */
export function publishRoomEvent(bus: Bus, event: RoomEvent): Promise<void> {
  return publishRoomMessage(bus, event.roomId, { t: 'event', event });
}

/**
 * Tells every instance that these users were added to a room by someone else (a direct message):
 * their clients fetch the room list again, since they cannot know of a room no one told them about.
 */
export function publishRoomsChanged(bus: Bus, userIds: readonly string[]): Promise<void> {
  return publishControl(bus, { t: 'rooms', userIds: [...userIds] });
}
