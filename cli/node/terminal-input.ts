import type { Readable, Writable } from 'node:stream';
import { ChatError } from '../../shared/protocol/index.js';

/** All of stdin as text. */
export async function readAll(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Asks for a secret on the terminal without echoing it. Ctrl-C cancels; Backspace erases.
 */
export function promptHidden(
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown },
  stderr: Writable,
  prompt: string,
): Promise<string> {
  if (!stdin.isTTY || !stdin.setRawMode) {
    return Promise.reject(new ChatError('invalid_request', 'no terminal to ask for the password: pass it on stdin with --password-stdin'));
  }
  const setRaw = stdin.setRawMode.bind(stdin);
  stderr.write(prompt);
  setRaw(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: Error) => {
      stdin.off('data', onData);
      setRaw(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data: Buffer | string) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new ChatError('invalid_request', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** Asks a yes/no question on the terminal; only "y" or "yes" is yes. */
export async function confirm(stdin: Readable & { isTTY?: boolean }, stderr: Writable, question: string): Promise<boolean> {
  if (!stdin.isTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: stdin, output: stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
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
