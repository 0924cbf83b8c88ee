import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signalGroup, spawnTracked, stopProcess } from './processes.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** The built binaries (npm test builds them first). */
export const SERVER_BIN = join(ROOT, 'dist/server/main.js');
export const CHAT_BIN = join(ROOT, 'dist/cli/main.js');

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `chat-${prefix}-`));
}

/** Polls until `check` returns a value other than undefined. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A `chat-server` process. */
export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly proc: ChildProcess;
  readonly output: () => string;
  /**
   * SIGTERM (graceful) and wait for the exit code; SIGKILL after `graceMs` (default 30 s), and then
   * the code is null. Tests that fail before calling it still lose the process (test/support/teardown.ts).
   */
  stop(options?: { graceMs?: number }): Promise<number | null>;
}

/** Starts `chat-server` with a data dir; port 0 picks a free one, read back from its log. */
export async function startServer(options: { dataDir: string; port?: number; env?: Record<string, string> }): Promise<ServerProcess> {
  const proc = spawnTracked(process.execPath, [SERVER_BIN, '--port', String(options.port ?? 0), '--host', '127.0.0.1', '--data-dir', options.dataDir], {
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let port: number;
  try {
    port = await eventually(
      () => {
        if (proc.exitCode !== null) throw new Error(`chat-server exited: ${out}`);
        const m = /"port":(\d+)[^\n]*listening/.exec(out);
        return m ? Number(m[1]) : undefined;
      },
      'chat-server to listen',
      60_000,
    );
  } catch (error) {
    signalGroup(proc, 'SIGKILL');
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    output: () => out,
    async stop(stopOptions = {}) {
      const { code, killed } = await stopProcess(proc, { graceMs: stopOptions.graceMs ?? 30_000 });
      return killed ? null : code;
    },
  };
}

export interface ChatResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for a `chat` user: own home, the encrypted-file keystore, no colour, no AI provider. */
export function userEnv(home: string, server: string): Record<string, string> {
  return { CHAT_HOME: home, CHAT_SERVER: server, CHAT_KEYSTORE: 'file', CHAT_KEYSTORE_PASSPHRASE: 'e2e passphrase', NO_COLOR: '1', OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
}

/** Runs `chat` to completion. */
export function chat(env: Record<string, string>, args: readonly string[], stdin?: string): Promise<ChatResult> {
  return new Promise((resolve, reject) => {
    const proc = spawnTracked(process.execPath, [CHAT_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
    proc.stdin?.end(stdin ?? '');
  });
}

/**
 * Registers each of `names` on the server at `serverUrl` with `chat register --password-stdin`, each with
 * its own CHAT_HOME `<dir>/<name>`, one after another; returns their environments in the same order.
 * Throws when a registration fails, with its stderr.
 */
export async function registerUsers<const Names extends readonly string[]>(
  dir: string,
  serverUrl: string,
  names: Names,
  password = 'correct horse battery staple\n',
): Promise<{ [K in keyof Names]: Record<string, string> }> {
  const envs: Record<string, string>[] = [];
  for (const name of names) {
    const env = userEnv(join(dir, name), serverUrl);
    const r = await chat(env, ['register', name, '--password-stdin'], password);
    if (r.code !== 0) throw new Error(`chat register ${name} exited with ${r.code}: ${r.stderr}`);
    envs.push(env);
  }
  return envs as { [K in keyof Names]: Record<string, string> };
}

/** A long-running `chat` (e.g. `read --follow`) whose output is collected as it comes; with `stdin: 'pipe'`, write to `proc.stdin`. */
export function spawnChat(env: Record<string, string>, args: readonly string[], options: { stdin?: 'ignore' | 'pipe' } = {}) {
  const proc = spawnTracked(process.execPath, [CHAT_BIN, ...args], { env: { ...process.env, ...env }, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    lines: () => stdout.split('\n').filter(Boolean),
    /** Ctrl-C, and the exit code. */
    interrupt: () => {
      proc.kill('SIGINT');
      return exited;
    },
  };
}

/**
 * Approves a new device with the binaries: runs `chat devices approve` on `approver` and `chat devices
 * request` (with `--json` when `json`) on `newcomer`, waits for the code each prints on stderr, and
 * types on each the code the other shows (or `typed.onApprover` on the approver). Returns both codes,
 * both exit codes and the two processes (their output).
 */
export async function approveByCodes(approver: Record<string, string>, newcomer: Record<string, string>, typed?: { onApprover?: string; json?: boolean }) {
  const a = spawnChat(approver, ['devices', 'approve'], { stdin: 'pipe' });
  const n = spawnChat(newcomer, [...(typed?.json ? ['--json'] : []), 'devices', 'request'], { stdin: 'pipe' });
  const codeOf = (text: () => string) => eventually(() => /Code: (\d{4} \d{4} \d{4})/.exec(text())?.[1], 'a code', 60_000);
  const [codeA, codeN] = await Promise.all([codeOf(a.stderr), codeOf(n.stderr)]);
  a.proc.stdin?.end(`${typed?.onApprover ?? codeN}\n`);
  n.proc.stdin?.end(`${codeA}\n`);
  return { codeA, codeN, approver: await a.exited, newcomer: await n.exited, a, n };
}
