import { describe, expect, it } from 'vitest';
import { killAll, spawnTracked, stopProcess } from './processes.js';

/** A shell that starts a grandchild and prints its pid; the shell never exits by itself. */
async function shellWithGrandchild(trap = '') {
  const proc = spawnTracked('sh', ['-c', `${trap} sleep 300 & echo $!; wait`], { stdio: ['ignore', 'pipe', 'ignore'] });
  const grandchild = await new Promise<number>((resolve) => proc.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { proc, grandchild, exited };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 25));
  return !alive(pid);
}

describe('test processes', () => {
  it('killAll ends every tracked child and what it started', async () => {
    const { grandchild, exited } = await shellWithGrandchild();
    killAll();
    await exited;
    expect(await gone(grandchild)).toBe(true);
  });

  it('stopProcess SIGKILLs a child that ignores SIGTERM once the grace is over', async () => {
    const { proc, grandchild } = await shellWithGrandchild("trap '' TERM;");
    const result = await stopProcess(proc, { graceMs: 200 });
    expect(result).toMatchObject({ killed: true, signal: 'SIGKILL' });
    expect(await gone(grandchild)).toBe(true);
  });
});
