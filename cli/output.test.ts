import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { neutralize, Output, senderStyle } from './output.js';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('neutralize', () => {
  it('makes escape sequences and other control characters visible, keeping newlines and tabs', () => {
    expect(neutralize('hi\u001b[2J\u001b]0;pwned\u0007 there\r\n\tok\u009b')).toBe('hi^[[2J^[]0;pwned^G there^M\n\tok\\u009b');
  });
});

describe('Output.event', () => {
  it('prints a message with time and sender, and indents continuation lines', () => {
    const out = new Output(sink(), sink(), false, false);
    const line = out.event({
      id: '00000000-0000-4000-8000-000000000001',
      roomId: '00000000-0000-4000-8000-000000000002',
      seq: 1,
      kind: 'message',
      sender: { id: '00000000-0000-4000-8000-000000000003', username: 'alice' },
      body: 'one\ntwo\u001b[31m',
      envelope: null,
      target: null,
      clientMsgId: null,
      createdAt: '2026-11-25T10:00:00.000Z',
    });
    expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d {2}alice: one\n {18}two\^\[\[31m$/);
  });

  it('gives each user a stable colour', () => {
    expect(senderStyle('Alice')).toBe(senderStyle('alice'));
  });
});
