import type { RoomEvent } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { publishControl, publishRoomMessage } from '../bus/messages.js';

/** Announces a committed event to every instance. Called only after the store committed it. */
export function publishRoomEvent(bus: Bus, event: RoomEvent): Promise<void> {
  return publishRoomMessage(bus, event.roomId, { t: 'event', event });
}

/**
 * Tells every instance that these users' room lists changed: someone added them to a room (a direct
 * message), removed them, or they joined, left or created one on one of their devices. Their clients
 * (every device) fetch the room list again: they cannot know of a room no one told them about.
 */
export function publishRoomsChanged(bus: Bus, userIds: readonly string[]): Promise<void> {
  return publishControl(bus, { t: 'rooms', userIds: [...userIds] });
}
