import { describe, expect, it } from 'vitest';
import { ChatError } from '../shared/protocol/index.js';
import { explainKeyReuse, retryCommand, sendFailure } from './send-failure.js';

const ID = '3f0c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d';

describe('sendFailure', () => {
  const retry = retryCommand({ profile: 'default', room: 'general', id: ID, words: ['hello'] });

  it('says a request that got no answer (a frozen server timing out) may have been stored, with the retry, in one statement', () => {
    const timedOut = new ChatError('unavailable', 'no answer from the server at http://chat.test within 15 s (check your network connection, or whether the server is up, and try again)');
    const failure = sendFailure(timedOut, { sent: true, neverSent: false, retry });
    expect(failure.code).toBe('unavailable');
    expect(failure.message).toBe(
      `no answer from the server at http://chat.test within 15 s (check your network connection, or whether the server is up, and try again); the message may have been stored. To retry without sending it twice, run:\n  chat send general --id ${ID} -- hello`,
    );
    expect(failure.message).not.toMatch(/cannot reach/);
  });

  it('says a server error leaves the message maybe stored', () => {
    const failure = sendFailure(new ChatError('internal', 'the server answered 500'), { sent: true, neverSent: false, retry });
    expect(failure.message).toMatch(/^the server answered 500; the message may have been stored\. To retry without sending it twice, run:\n {2}chat send/);
  });

  it('says a message refused at connect, or failing before it was sent, was not sent, with no retry', () => {
    const refused = new ChatError('unavailable', 'cannot reach the server at http://chat.test: it refused the connection (check that the server is running at that address)');
    expect(sendFailure(refused, { sent: true, neverSent: true, retry }).message).toBe(
      'cannot reach the server at http://chat.test: it refused the connection (check that the server is running at that address); the message was not sent.',
    );
    expect(sendFailure(new ChatError('unavailable', 'no answer from the server at x within 15 s (try again)'), { sent: false, neverSent: false, retry }).message).toBe(
      'no answer from the server at x within 15 s (try again); the message was not sent.',
    );
  });

  it('passes other errors on unchanged', () => {
    const forbidden = new ChatError('forbidden', 'you are not a member of this room');
    expect(sendFailure(forbidden, { sent: true, neverSent: false, retry })).toBe(forbidden);
  });
});

describe('retryCommand', () => {
  it('puts -- before the text, so that a text starting with a dash stays text, and quotes it for a POSIX shell', () => {
    expect(retryCommand({ profile: 'work', room: 'general', id: ID, words: ['-dash start', "it's"] })).toBe(`chat --profile work send general --id ${ID} -- '-dash start' 'it'\\''s'`);
    expect(retryCommand({ profile: 'default', room: 'general', id: ID, words: [] })).toBe(`chat send general --id ${ID} < (the same input)`);
  });
});

describe('explainKeyReuse', () => {
  // Two copies of one CHAT_HOME sent with the same message key; the copy refused was not told why.
  it('says plainly that another copy of this device sent with the same key, and what to do', () => {
    const refused = new ChatError('key_reused', 'device d already sent message 0 of key k in #plans');
    const said = explainKeyReuse(refused, '#plans');
    expect(said).toMatchObject({ code: 'key_reused' });
    expect((said as ChatError).message).toMatch(/^another copy of this device already sent a message to #plans with the same encryption key: this profile's state \(CHAT_HOME\) was copied/);
    expect((said as ChatError).message).toMatch(/Nothing was sent.*delete its CHAT_HOME and sign in there with `chat login`/);
    expect((said as ChatError).message).toMatch(/This copy now sends to #plans under a new encryption key, so sending again goes through: run the same command again$/);
  });

  // The refusal starts a new sending chain on this copy: the same send goes through when run again.
  it('gives the command that sends it again, now under a new key', () => {
    const said = explainKeyReuse(new ChatError('key_reused', 'x'), '#plans', 'chat send #plans --id U -- hi');
    expect((said as ChatError).message).toMatch(/under a new encryption key, so sending again goes through:\n {2}chat send #plans --id U -- hi$/);
  });

  it('passes every other error on unchanged', () => {
    const other = new ChatError('conflict', 'x');
    expect(explainKeyReuse(other, '#plans')).toBe(other);
  });
});
