import type { Member } from '../protocol/index.js';
import type { E2ESession } from './e2e-session.js';

/** Something to tell about a private room's members' keys, worded by each interface. */
export type KeyChangeNotice =
  /** A member's identity key is not the one first seen (said once per change). */
  | { readonly kind: 'identity'; readonly username: string; readonly verified: boolean }
  /** A member verified before cross-signing now has an identity key: the safety number changed because of the upgrade (said once). */
  | { readonly kind: 'upgrade'; readonly username: string }
  /** Devices of a member that their user has not approved: this device shares nothing with them (said once per device). */
  | { readonly kind: 'unapproved'; readonly username: string; readonly devices: number }
  /** A verified member's identity key differs from the one verified (said every time, until verified again). */
  | { readonly kind: 'changed'; readonly username: string };

/**
 * What to tell about the room's members' keys: identity changes, devices their users did not approve
 * (an injected device would show up here), the one-time upgrade notice, and loudly, verified users
 * whose identity changed since.
 */
export async function keyChangeNotices(e2e: E2ESession, roomId: string, members: () => Promise<readonly Member[]>): Promise<KeyChangeNotice[]> {
  // In this order: the first look after the upgrade moves a verification over to the identity key.
  const devices = await e2e.deviceChanges(roomId);
  const changed = await e2e.changedVerifiedUsers(roomId);
  if (changed.length === 0 && devices.length === 0) return [];
  const list = await members();
  const nameOf = (userId: string) => list.find((m) => m.user.id === userId)?.user.username ?? userId;
  return [
    ...devices.map((d): KeyChangeNotice => {
      switch (d.kind) {
        case 'identity':
          return { kind: 'identity', username: nameOf(d.userId), verified: d.verified };
        case 'upgrade':
          return { kind: 'upgrade', username: nameOf(d.userId) };
        case 'unapproved':
          return { kind: 'unapproved', username: nameOf(d.userId), devices: d.devices };
        default: {
          const unreachable: never = d;
          throw new Error(`unhandled change ${JSON.stringify(unreachable)}`);
        }
      }
    }),
    ...changed.map((userId): KeyChangeNotice => ({ kind: 'changed', username: nameOf(userId) })),
  ];
}

/**
 * One line for a notice, the same words on every interface (the caller neutralizes and styles it);
 * `room`: the room as named to the user (`#name`, `@peer` for a direct message: see roomTitle), if it
 * is to be said.
 */
export function describeKeyChange(n: KeyChangeNotice, room?: string): string {
  const where = room === undefined ? '' : ` in ${room}`;
  switch (n.kind) {
    case 'identity':
      return `${n.username}'s identity key changed${where}: compare safety numbers with ${n.username} again`;
    case 'upgrade':
      return `${n.username}'s safety number changed because of the upgrade to cross-signing (their devices are the ones you verified)`;
    case 'unapproved':
      return `${n.username} has ${n.devices} new device${n.devices === 1 ? '' : 's'} they have not approved${where}: it gets no keys from you`;
    case 'changed':
      return `WARNING: ${n.username}'s identity changed since you verified them. Compare safety numbers again before trusting${room === undefined ? ' them' : ` ${room}`}.`;
    default: {
      const unreachable: never = n;
      throw new Error(`unhandled notice ${JSON.stringify(unreachable)}`);
    }
  }
}
