import { randomUUID } from 'node:crypto';
import { ChatError } from '../../shared/protocol/index.js';
import type { Invite, InviteCreated, MembershipResult } from '../../shared/protocol/index.js';
import type { Bus } from '../bus/bus.js';
import type { InviteRecord, Store } from '../store/store.js';
import { publishRoomEvent, publishRoomsChanged } from './room-events.js';
import type { RoomService } from './room-service.js';
import { DIRECT_MESSAGE_OF_TWO, toRoomDto } from './room-service.js';
import { hashOpaqueToken, newOpaqueToken } from './tokens.js';

function toInviteDto(i: InviteRecord): Invite {
  return {
    id: i.id,
    roomId: i.roomId,
    createdBy: i.createdBy,
    expiresAt: i.expiresAt.toISOString(),
    maxUses: i.maxUses,
    uses: i.uses,
    revokedAt: i.revokedAt?.toISOString() ?? null,
    createdAt: i.createdAt.toISOString(),
  };
}

export interface InviteServiceDeps {
  readonly store: Store;
  readonly bus: Bus;
  readonly rooms: RoomService;
  readonly now: () => number;
}

/**
 * Invite links: 256-bit tokens of which only a hash is kept, with expiry, a number of uses and
 * revocation; made, listed and revoked by the room's owner, redeemed atomically by anyone holding one.
 * A direct message has no invites: making or listing one is `forbidden`, and a link an older server
 * made into one lets nobody in (`forbidden`, the same words).
 */
export class InviteService {
  constructor(private readonly deps: InviteServiceDeps) {}

  async create(userId: string, roomRef: string, req: { expiresInSeconds: number; maxUses: number }, origin: string): Promise<InviteCreated> {
    const room = await this.deps.rooms.requireOwner(userId, roomRef);
    const token = newOpaqueToken();
    const invite = await this.deps.store.createInvite({
      id: randomUUID(),
      roomId: room.id,
      tokenHash: hashOpaqueToken(token),
      createdBy: userId,
      expiresAt: new Date(this.deps.now() + req.expiresInSeconds * 1000),
      maxUses: req.maxUses,
    });
    return { invite: toInviteDto(invite), token, url: `${origin}/invite/${token}` };
  }

  async list(userId: string, roomRef: string): Promise<Invite[]> {
    const room = await this.deps.rooms.requireOwner(userId, roomRef);
    return (await this.deps.store.listInvites(room.id)).map(toInviteDto);
  }

  async revoke(userId: string, roomRef: string, inviteId: string): Promise<void> {
    const room = await this.deps.rooms.requireOwner(userId, roomRef);
    if (!(await this.deps.store.revokeInvite(room.id, inviteId, new Date(this.deps.now())))) {
      throw new ChatError('not_found', `#${room.name} has no live invite ${inviteId}`);
    }
  }

  /** Joins the room the token invites to. */
  async redeem(userId: string, token: string): Promise<MembershipResult> {
    const result = await this.deps.store.redeemInvite({ tokenHash: hashOpaqueToken(token), userId, eventId: randomUUID(), now: new Date(this.deps.now()) });
    if (!result.ok) {
      switch (result.conflict) {
        case 'invite_expired':
          throw new ChatError('invite_invalid', 'this invite link has expired; ask for a new one');
        case 'invite_revoked':
          throw new ChatError('invite_invalid', 'this invite link was revoked; ask for a new one');
        case 'invite_removed':
          throw new ChatError('invite_invalid', 'you were removed from this room; ask its owner for a new invite');
        case 'direct_message':
          throw new ChatError('forbidden', DIRECT_MESSAGE_OF_TWO);
        case 'invite_used_up':
          throw new ChatError('invite_invalid', 'this invite link has been used as many times as it allows; ask for a new one');
        default:
          throw new ChatError('not_found', 'this invite link is not valid');
      }
    }
    const { roomId, event } = result.value;
    if (event) {
      await publishRoomEvent(this.deps.bus, event);
      await publishRoomsChanged(this.deps.bus, [userId]);
    }
    const room = await this.deps.store.findRoomById(roomId);
    const member = await this.deps.store.getMembership(roomId, userId);
    if (!room || !member) throw new ChatError('not_found', 'this invite link is not valid');
    return { room: toRoomDto(room, member.role), event };
  }
}
