import type { Member } from '../protocol/index.js';
import type { E2ESession } from './e2e-session.js';

/** Something to tell about a private room's members' keys, worded by each interface. */
export type KeyChangeNotice =
  /** A member's devices changed since this device last looked (said once per change). */
  | { readonly kind: 'devices'; readonly username: string; readonly added: number; readonly removed: number; readonly verified: boolean }
  /** A verified member's keys differ from the ones verified (said every time, until verified again). */
  | { readonly kind: 'changed'; readonly username: string };

/**
 * What to tell about the room's members' keys: every device change (a device the server added would
 * show up here), and loudly, verified users whose keys changed since.
 */
export async function keyChangeNotices(e2e: E2ESession, roomId: string, members: () => Promise<readonly Member[]>): Promise<KeyChangeNotice[]> {
  const [changed, devices] = await Promise.all([e2e.changedVerifiedUsers(roomId), e2e.deviceChanges(roomId)]);
  if (changed.length === 0 && devices.length === 0) return [];
  const list = await members();
  const nameOf = (userId: string) => list.find((m) => m.user.id === userId)?.user.username ?? userId;
  return [
    ...devices.map((d): KeyChangeNotice => ({ kind: 'devices', username: nameOf(d.userId), added: d.added, removed: d.removed, verified: d.verified })),
    ...changed.map((userId): KeyChangeNotice => ({ kind: 'changed', username: nameOf(userId) })),
  ];
}

/** "1 new device, 2 devices gone". */
export function describeDeviceChange(n: { readonly added: number; readonly removed: number }): string {
  return [n.added ? `${n.added} new device${n.added === 1 ? '' : 's'}` : '', n.removed ? `${n.removed} device${n.removed === 1 ? '' : 's'} gone` : ''].filter(Boolean).join(', ');
}
