import { describe, expect, it } from 'vitest';
import { runShutdown } from './shutdown.js';

const never = () => new Promise<void>(() => {});

describe('runShutdown', () => {
  it('runs every step in order and reports a clean stop', async () => {
    const ran: string[] = [];
    const outcome = await runShutdown(
      ['http', 'redis', 'database'].map((name) => ({ name, timeoutMs: 1_000, run: async () => void ran.push(name) })),
      { deadlineMs: 5_000 },
    );
    expect(ran).toEqual(['http', 'redis', 'database']);
    expect(outcome.failures).toEqual([]);
  });

  it('gives up on a step that hangs, cuts it, and still runs the steps after it', async () => {
    const ran: string[] = [];
    let cut = false;
    const outcome = await runShutdown(
      [
        { name: 'http', timeoutMs: 50, run: never, onTimeout: () => void (cut = true) },
        { name: 'redis', timeoutMs: 50, run: never },
        { name: 'database', timeoutMs: 1_000, run: async () => void ran.push('database') },
      ],
      { deadlineMs: 5_000 },
    );
    expect(cut).toBe(true);
    expect(ran).toEqual(['database']);
    expect(outcome.failures.map((f) => [f.name, f.reason])).toEqual([
      ['http', 'timeout'],
      ['redis', 'timeout'],
    ]);
  });

  it('reports a step that throws and goes on', async () => {
    const outcome = await runShutdown(
      [
        { name: 'redis', timeoutMs: 1_000, run: () => Promise.reject(new Error('connection is closed')) },
        { name: 'database', timeoutMs: 1_000, run: async () => {} },
      ],
      { deadlineMs: 5_000 },
    );
    expect(outcome.failures).toMatchObject([{ name: 'redis', reason: 'error', error: { message: 'connection is closed' } }]);
  });

  it('bounds the whole stop by the deadline, whatever each step was allowed', async () => {
    let clock = 0;
    const outcome = await runShutdown(
      [
        { name: 'http', timeoutMs: 60_000, run: async () => void (clock += 10_000) },
        { name: 'database', timeoutMs: 60_000, run: never },
      ],
      { deadlineMs: 10_000, now: () => clock },
    );
    // The first step used the whole deadline, so the second gets no time at all.
    expect(outcome.failures).toEqual([{ name: 'database', reason: 'timeout' }]);
  });
});
