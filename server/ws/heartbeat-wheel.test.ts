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

  it('keeps the period on a clock: timers 30 ms late still hand each socket back once per period', () => {
    // A busy event loop fired each 100 ms turn 30 ms late; one slot per timer call made the 1 s period 1.3 s.
    const wheel = new HeartbeatWheel<string>(1_000, 5_000);
    wheel.add('a');
    let times = 0;
    let periods = 0;
    for (let now = 5_130; now <= 15_000; now += 130) {
      const { due, newPeriod } = wheel.advance(now);
      times += due.filter((x) => x === 'a').length;
      if (newPeriod) periods++;
    }
    // 9.87 s of clock: nine whole periods after the first (one slot per call would have made it seven).
    expect(times).toBe(9);
    expect(periods).toBe(9);
  });

  it('hands each socket back once when the clock jumps more than a period, then counts on from there', () => {
    const wheel = new HeartbeatWheel<number>(1_000, 0);
    for (let i = 0; i < 20; i++) wheel.add(i);
    expect(wheel.advance(50).due).toEqual([]);
    const jumped = wheel.advance(7_250);
    expect(jumped.due.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(jumped.newPeriod).toBe(true);
    // The next 100 ms hand back one slot (two sockets), not the periods skipped.
    expect(wheel.advance(7_350).due).toHaveLength(2);
  });

  it('puts a socket in the emptiest slot, so the ones that stay spread whatever closes around them', () => {
    // Round robin alone put every tenth socket in one slot when the nine between them closed at once.
    const wheel = new HeartbeatWheel<string>(1_000);
    for (let k = 0; k < 10; k++) {
      wheel.add(`stays ${k}`);
      for (let t = 0; t < 9; t++) {
        wheel.add(`brief ${k}.${t}`);
        wheel.delete(`brief ${k}.${t}`);
      }
    }
    const { mostInOneTurn, dueCount } = spin(wheel, 10);
    expect(dueCount.size).toBe(10);
    expect(mostInOneTurn).toBe(1);
  });

  it('makes a period under 150 ms one slot: every turn is a new period with every socket', () => {
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
