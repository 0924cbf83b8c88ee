import type { ReadMarker } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import { publishControl } from '../bus/messages.js';
import type { Store } from '../store/store.js';
import type { RoomService } from './room-service.js';

export interface ReadMarkerServiceDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly rooms: RoomService;
}

/**
 * Read markers kept on the server, per user and room: the highest seq the user has read, on any of their
 * devices. A move is told to every socket of the user (every device, every instance) so that unread
 * counts and mention flags follow everywhere. Only a seq is kept, so a private room's content stays
 * unknown to the server.
 */
export class ReadMarkerService {
  constructor(private readonly deps: ReadMarkerServiceDeps) {}

  /**
   * Moves the caller's marker in the room up to `seq` (a lower seq leaves it; a seq past the room's
   * head is taken as the head). Members only. Answers the marker now stored, and tells the user's
   * sockets when it moved.
   */
  async mark(userId: string, roomRef: string, seq: number): Promise<ReadMarker> {
    const room = await this.deps.rooms.resolve(roomRef);
    await this.deps.rooms.requireMember(room, userId, roomRef);
    const head = await this.deps.store.headSeq(room.id);
    const before = (await this.deps.store.listReadMarkers(userId)).get(room.id) ?? 0;
    const stored = await this.deps.store.setReadMarker(userId, room.id, Math.min(seq, head));
    if (stored !== before) await publishControl(this.deps.bus, { t: 'read', userId, roomId: room.id, seq: stored });
    return { roomId: room.id, seq: stored };
  }

  /** Every read marker of the user. */
  async list(userId: string): Promise<ReadMarker[]> {
    return [...(await this.deps.store.listReadMarkers(userId))].map(([roomId, seq]) => ({ roomId, seq }));
  }
}
