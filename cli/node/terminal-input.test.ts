import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitCode, Stopped, stoppedExitCode } from '../exit-codes.js';
import { promptHidden } from './terminal-input.js';

/** A terminal's stdin as promptHidden sees it: a TTY whose raw mode is recorded. */
function terminal() {
  const modes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (raw: boolean) => modes.push(raw) });
  const stderr = new PassThrough();
  return { stdin, stderr, modes };
}

describe('promptHidden', () => {
  it('answers what was typed at Enter, with the terminal back in its normal mode', async () => {
    const t = terminal();
    const asked = promptHidden(t.stdin, t.stderr, 'Password: ');
    t.stdin.write('hunter2x\r');
    await expect(asked).resolves.toBe('hunter2x');
    expect(t.modes).toEqual([true, false]);
  });

  // SIGTERM during the prompt waited for main.ts's 5 s fallback, the terminal still raw.
  it('ends at once when SIGTERM or SIGINT aborts the command, restoring the terminal, with the signal for the exit code', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const t = terminal();
      const abort = new AbortController();
      const asked = promptHidden(t.stdin, t.stderr, 'Recovery key: ', abort.signal);
      t.stdin.write('half typed');
      abort.abort(signal);
      const error = await asked.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stopped);
      expect((error as Stopped).signal).toBe(signal);
      expect(t.modes).toEqual([true, false]);
      expect(t.stdin.listenerCount('data')).toBe(0);
      expect(t.stdin.isPaused()).toBe(true);
    }
    // Already aborted: nothing is asked, the terminal is left alone.
    const t = terminal();
    const aborted = new AbortController();
    aborted.abort('SIGTERM');
    await expect(promptHidden(t.stdin, t.stderr, 'Password: ', aborted.signal)).rejects.toBeInstanceOf(Stopped);
    expect(t.modes).toEqual([]);
  });

  // In raw mode Ctrl-C is a key, not SIGINT: it said "cancelled" and exited 2.
  it('takes Ctrl-C typed at the prompt as SIGINT', async () => {
    const t = terminal();
    const asked = promptHidden(t.stdin, t.stderr, 'Password: ');
    t.stdin.write('abc\u0003');
    await expect(asked).rejects.toMatchObject({ name: 'Stopped', signal: 'SIGINT' });
    expect(t.modes).toEqual([true, false]);
  });
});

describe('stoppedExitCode', () => {
  it('is 130 for SIGINT and 143 for SIGTERM, as shells report them', () => {
    expect(stoppedExitCode('SIGINT')).toBe(ExitCode.interrupted);
    expect(stoppedExitCode('SIGINT')).toBe(130);
    expect(stoppedExitCode('SIGTERM')).toBe(143);
  });
});
