import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CliContext } from './context.js';
import type { GlobalOptions } from './context.js';

const home = mkdtempSync(join(tmpdir(), 'chat-context-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The server URL a command would use, or the message of the error it would stop with. */
function serverUrl(env: Record<string, string>, globals: GlobalOptions = {}): string {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: { CHAT_HOME: home, ...env }, signal: new AbortController().signal };
  try {
    return new CliContext(io, globals).serverUrl;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('CliContext.serverUrl', () => {
  it('names CHAT_SERVER, not --server, when the variable is set but empty or not a URL', () => {
    expect(serverUrl({ CHAT_SERVER: '' })).toBe("CHAT_SERVER is empty: give the server's URL (such as http://localhost:8787), or unset it");
    expect(serverUrl({ CHAT_SERVER: 'not a url' })).toBe('CHAT_SERVER: "not a url" is not a URL (try http://localhost:8787)');
    expect(serverUrl({ CHAT_SERVER: 'ftp://x' })).toBe('CHAT_SERVER: use an http:// or https:// URL, not ftp:');
  });

  it('names --server for a bad flag, which wins over CHAT_SERVER', () => {
    expect(serverUrl({ CHAT_SERVER: 'http://env.test' }, { server: 'nope' })).toBe('--server: "nope" is not a URL (try http://localhost:8787)');
    expect(serverUrl({ CHAT_SERVER: 'http://env.test/x' })).toBe('http://env.test');
    expect(serverUrl({})).toBe('http://localhost:8787');
  });
});
