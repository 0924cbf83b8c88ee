import { describe, expect, it } from 'vitest';
import { ChatError } from '../protocol/index.js';
import { describeOtherError, describeRequestFailure, plainErrorText } from './network-failure.js';

const URL = 'http://chat.test';
/** A runtime error code or class name as a user would see it leak: ABORT_ERR, ECONNRESET, AbortError. */
const JARGON = /\b(?:[A-Z][A-Z0-9]*_[A-Z0-9_]+|E[A-Z]{4,}|AbortError|TimeoutError|DOMException)\b/;

const nodeError = (message: string, code: string, name = 'Error') => Object.assign(new Error(message), { code, name });

describe('describeRequestFailure', () => {
  it('says a timed-out request had no answer within the wait, and what to do, without ABORT_ERR or TimeoutError', async () => {
    const timeout = await fetch('http://127.0.0.1:9', { signal: AbortSignal.abort(new DOMException('The operation timed out.', 'TimeoutError')) }).catch((e: unknown) => e);
    for (const error of [timeout, nodeError('The operation was aborted', 'ABORT_ERR', 'AbortError'), Object.assign(new TypeError('fetch failed'), { cause: nodeError('Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT') })]) {
      const said = describeRequestFailure(error, URL, 15_000);
      expect(said).toBe('no answer from the server at http://chat.test within 15 s (check your network connection, or whether the server is up, and try again)');
    }
  });

  it('says why a connection was never made or was cut, in words, never with the code', () => {
    const said = (code: string) => describeRequestFailure(Object.assign(new TypeError('fetch failed'), { cause: nodeError(`x ${code}`, code) }), URL);
    expect(said('ECONNREFUSED')).toBe('cannot reach the server at http://chat.test: it refused the connection (check that the server is running at that address)');
    expect(said('ENOTFOUND')).toMatch(/^cannot reach the server at http:\/\/chat\.test: its name could not be found/);
    expect(said('ECONNRESET')).toMatch(/^no answer from the server at http:\/\/chat\.test: the connection was cut/);
    expect(said('UND_ERR_SOCKET')).toMatch(/the connection was cut/);
    expect(said('DEPTH_ZERO_SELF_SIGNED_CERT')).toMatch(/certificate was not accepted/);
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'UND_ERR_SOCKET', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_SOMETHING_NEW']) expect(said(code)).not.toMatch(JARGON);
  });
});

describe('describeOtherError', () => {
  it('words an abort, a timeout and file errors plainly, and drops a leading runtime code from anything else', () => {
    expect(describeOtherError(nodeError('The operation was aborted', 'ABORT_ERR', 'AbortError'))).toBe('the operation was stopped before it finished: it took too long or was cancelled (try again)');
    expect(describeOtherError(new DOMException('The operation timed out.', 'TimeoutError'))).toMatch(/^the operation was stopped before it finished/);
    expect(describeOtherError(Object.assign(nodeError("EACCES: permission denied, open '/x/y'", 'EACCES'), { path: '/x/y' }))).toBe('no permission to use /x/y (check its owner and permissions)');
    expect(describeOtherError(nodeError('EBADF: bad file descriptor, read', 'EBADF'))).toBe('bad file descriptor, read');
    expect(describeOtherError(new Error('something odd'))).toBe('something odd');
  });
});

describe('plainErrorText', () => {
  it("keeps a ChatError's message, whatever its cause, and words anything else plainly", () => {
    const abort = nodeError('The operation was aborted', 'ABORT_ERR', 'AbortError');
    expect(plainErrorText(new ChatError('unavailable', 'no answer from the server at x within 15 s', { cause: abort }))).toBe('no answer from the server at x within 15 s');
    expect(plainErrorText(abort)).not.toMatch(JARGON);
    expect(plainErrorText('odd')).toBe('odd');
  });
});
