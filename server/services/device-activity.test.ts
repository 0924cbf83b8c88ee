import { describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { DeviceActivity } from './device-activity.js';

/** A store that records each last-seen write, and can be held mid-write or made to fail. */
function fakeStore() {
  const writes: { deviceId: string; at: number }[][] = [];
  let release: (() => void) | undefined;
  const state = { hold: false, fail: false };
  const store = {
    async touchDevicesLastSeen(seen: readonly { deviceId: string; at: Date }[]) {
      writes.push(seen.map((s) => ({ deviceId: s.deviceId, at: s.at.getTime() })));
      if (state.hold) await new Promise<void>((resolve) => (release = resolve));
      if (state.fail) throw new Error('database away');
    },
  } as unknown as Store;
  return { store, writes, state, release: () => release?.() };
}

describe('DeviceActivity', () => {
  it('writes a device at most once per interval', async () => {
    const { store, writes } = fakeStore();
    let now = 1_000_000;
    const activity = new DeviceActivity(store, { now: () => now, onError: () => undefined, intervalMs: 60_000 });
    await activity.seen('a');
    await activity.seen('a');
    now += 59_999;
    await activity.seen('a');
    expect(writes).toEqual([[{ deviceId: 'a', at: 1_000_000 }]]);
    now += 1;
    await activity.seen('a');
    expect(writes).toEqual([[{ deviceId: 'a', at: 1_000_000 }], [{ deviceId: 'a', at: 1_060_000 }]]);
  });

  it('gathers the devices seen during a write into the next one', async () => {
    const fake = fakeStore();
    fake.state.hold = true;
    const activity = new DeviceActivity(fake.store, { now: () => 5, onError: () => undefined });
    const first = activity.seen('a');
    const later = [activity.seen('b'), activity.seen('c'), activity.seen('b')];
    fake.state.hold = false;
    fake.release();
    await Promise.all([first, ...later]);
    expect(fake.writes.map((w) => w.map((s) => s.deviceId))).toEqual([['a'], ['b', 'c']]);
  });

  it('reports a failed write, never throws it, and writes the device again when next seen', async () => {
    const fake = fakeStore();
    fake.state.fail = true;
    const errors: unknown[] = [];
    const activity = new DeviceActivity(fake.store, { now: () => 5, onError: (e) => errors.push(e) });
    await activity.seen('a');
    expect(errors).toHaveLength(1);
    fake.state.fail = false;
    await activity.seen('a');
    expect(fake.writes).toHaveLength(2);
  });
});
