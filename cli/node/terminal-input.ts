import type { Readable, Writable } from 'node:stream';
import { ChatError } from '../../shared/protocol/index.js';
import { Stopped, stopSignalOf } from '../exit-codes.js';

/** All of stdin as text. */
export async function readAll(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Asks for a secret on the terminal without echoing it (raw mode); Backspace erases, Enter ends. It
 * ends at once, with the terminal back in its normal mode and stdin paused, when Ctrl-C is typed
 * (raw mode reads the key instead of raising SIGINT: rejects with Stopped('SIGINT')) or when `signal`
 * aborts (SIGINT or SIGTERM received: rejects with Stopped of the signal main.ts aborted with).
 * Rejects with `invalid_request` when stdin is not a terminal.
 */
export function promptHidden(
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown },
  stderr: Writable,
  prompt: string,
  signal?: AbortSignal,
): Promise<string> {
  if (!stdin.isTTY || !stdin.setRawMode) {
    return Promise.reject(new ChatError('invalid_request', 'no terminal to ask for the password: pass it on stdin with --password-stdin'));
  }
  if (signal?.aborted) return Promise.reject(new Stopped(stopSignalOf(signal)));
  const setRaw = stdin.setRawMode.bind(stdin);
  stderr.write(prompt);
  setRaw(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: Error) => {
      stdin.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      setRaw(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onAbort = () => done(new Stopped(stopSignalOf(signal as AbortSignal)));
    const onData = (data: Buffer | string) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Stopped('SIGINT'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Asks a yes/no question on the terminal; only "y" or "yes" is yes. Rejects with Stopped when `signal`
 * aborts (SIGINT, SIGTERM) while it waits.
 */
export async function confirm(stdin: Readable & { isTTY?: boolean }, stderr: Writable, question: string, signal?: AbortSignal): Promise<boolean> {
  if (!stdin.isTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: stdin, output: stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `, signal ? { signal } : {})).trim());
  } catch (error) {
    if (signal?.aborted) throw new Stopped(stopSignalOf(signal));
    throw error;
  } finally {
    rl.close();
  }
}

/**
 * Reads one line: asked on the terminal, or the next line of piped stdin (so scripts can answer).
 * Resolves '' at the end of input, and at once when `signal` aborts (the caller checks which).
 */
export async function readLine(stdin: Readable & { isTTY?: boolean }, stderr: Writable, question: string, signal?: AbortSignal): Promise<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: stdin, output: stdin.isTTY ? stderr : undefined, terminal: Boolean(stdin.isTTY) });
  const onAbort = () => rl.close();
  try {
    if (stdin.isTTY) stderr.write(question);
    return await new Promise<string>((resolve) => {
      rl.once('line', (line) => resolve(line));
      rl.once('close', () => resolve(''));
      if (signal?.aborted) rl.close();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    rl.close();
  }
}
