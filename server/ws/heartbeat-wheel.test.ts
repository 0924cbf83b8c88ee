import { describe, expect, it } from 'vitest';
import { HEARTBEAT_MAX_SLOTS, HEARTBEAT_SLOT_MS, HeartbeatWheel } from './heartbeat-wheel.js';

/** Turns the wheel `turns` times and counts how often each item came due, and the most in one turn. */
function spin<T>(wheel: HeartbeatWheel<T>, turns: number): { dueCount: Map<T, number>; mostInOneTurn: number; periods: number } {
  const dueCount = new Map<T, number>();
  let mostInOneTurn = 0;
  let periods = 0;
  for (let i = 0; i < turns; i++) {
    const { due, newPeriod } = wheel.turn();
    if (newPeriod) periods++;
    mostInOneTurn = Math.max(mostInOneTurn, due.length);
    for (const item of due) dueCount.set(item, (dueCount.get(item) ?? 0) + 1);
  }
  return { dueCount, mostInOneTurn, periods };
}

describe('HeartbeatWheel', () => {
  it('spreads 10,000 sockets added at once over the 25 s period: each due once a period, 40 a turn', () => {
    const wheel = new HeartbeatWheel<number>(25_000);
    expect(wheel.turnMs).toBe(HEARTBEAT_SLOT_MS);
    for (let i = 0; i < 10_000; i++) wheel.add(i);
    const { dueCount, mostInOneTurn, periods } = spin(wheel, 250);
    expect(periods).toBe(1);
    expect(dueCount.size).toBe(10_000);
    expect([...dueCount.values()].every((n) => n === 1)).toBe(true);
    expect(mostInOneTurn).toBe(40);
  });

  it('hands a socket back once per period, its first turn within one period of its add', () => {
    const wheel = new HeartbeatWheel<string>(1_000);
    spin(wheel, 3);
    wheel.add('late');
    const turnsUntilDue = Array.from({ length: 10 }, () => wheel.turn().due).findIndex((due) => due.includes('late')) + 1;
    expect(turnsUntilDue).toBeGreaterThan(0);
    expect(turnsUntilDue).toBeLessThanOrEqual(10);
    expect(spin(wheel, 30).dueCount.get('late')).toBe(3);
  });

  it('never hands back a deleted socket, and a second add does not make it due twice', () => {
    const wheel = new HeartbeatWheel<string>(500);
    wheel.add('a');
    wheel.add('a');
    wheel.add('b');
    expect(wheel.size).toBe(2);
    expect(spin(wheel, 5).dueCount).toEqual(new Map([['a', 1], ['b', 1]]));
    expect(wheel.delete('a')).toBe(true);
    expect(wheel.delete('a')).toBe(false);
    expect(spin(wheel, 10).dueCount).toEqual(new Map([['b', 2]]));
  });

  it('lets the caller delete while going through a turn', () => {
    const wheel = new HeartbeatWheel<number>(100);
    for (let i = 0; i < 5; i++) wheel.add(i);
    const { due } = wheel.turn();
    for (const item of due) wheel.delete(item);
    expect(due).toEqual([0, 1, 2, 3, 4]);
    expect(wheel.size).toBe(0);
  });

  it('makes a period shorter than two slots one slot: every turn is a new period with every socket', () => {
    const wheel = new HeartbeatWheel<string>(50);
    expect(wheel.turnMs).toBe(50);
    wheel.add('x');
    wheel.add('y');
    for (let i = 0; i < 3; i++) expect(wheel.turn()).toEqual({ due: ['x', 'y'], newPeriod: true });
  });

  it('caps the slots for a long period', () => {
    expect(new HeartbeatWheel(3_600_000).turnMs).toBe(3_600_000 / HEARTBEAT_MAX_SLOTS);
  });

  it.each([0, -1, Number.NaN])('refuses a period of %s ms', (period) => {
    expect(() => new HeartbeatWheel(period)).toThrow(RangeError);
  });
});
