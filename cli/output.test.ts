import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FAKE_CONTINUATION, forbiddenIn, HOSTILE_MESSAGES, HOSTILE_TOPIC, LEGIT } from '../test/support/hostile-strings.js';
import { applyRelations } from '../shared/client/relations.js';
import type { MessageView } from '../shared/client/relations.js';
import type { RoomEvent } from '../shared/protocol/index.js';
import { Output, senderStyle } from './output.js';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
/** A stream that keeps what is written to it. */
const collect = () => {
  let text = '';
  const stream = new Writable({
    write: (c: Buffer, _e, cb) => {
      text += c.toString();
      cb();
    },
  });
  return { stream, text: () => text };
};

describe('Output as the boundary for server text', () => {
  it('neutralizes whatever reaches stdout and stderr, keeping newlines, and in colour only its own styles', () => {
    for (const color of [false, true]) {
      const out = collect();
      const err = collect();
      const o = new Output(out.stream, err.stream, false, color);
      for (const text of HOSTILE_MESSAGES) {
        o.line(o.style('bold', text));
        o.note(text);
        o.raw(text + '\n');
      }
      const printed = out.text() + err.text();
      const escapes = printed.match(/\u001b\[[0-9;]*m/g) ?? [];
      expect(forbiddenIn(printed.replace(/\u001b\[(1|22)m/g, ''))).toEqual([]);
      expect(escapes.length).toBe(color ? HOSTILE_MESSAGES.length * 2 : 0);
      expect(printed.split(LEGIT.family).length - 1).toBe(HOSTILE_MESSAGES.length * 3);
      expect(printed.split(LEGIT.persian).length - 1).toBe(HOSTILE_MESSAGES.length * 3);
    }
  });

  it('writes JSON whose strings hold no raw control, bidi or invisible character, and parse back unchanged', () => {
    const out = collect();
    new Output(out.stream, sink(), true, false).data({ topic: HOSTILE_TOPIC, bodies: HOSTILE_MESSAGES });
    expect(forbiddenIn(out.text())).toEqual([]);
    expect(JSON.parse(out.text())).toEqual({ topic: HOSTILE_TOPIC, bodies: HOSTILE_MESSAGES });
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
    expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d {2}alice: one\n {18}two\^\[\[31m #1$/);
  });

  it('indents every continuation line, so a line of a message cannot pose as another person\'s', () => {
    const out = new Output(sink(), sink(), false, false);
    const line = out.event({
      id: '00000000-0000-4000-8000-000000000001',
      roomId: '00000000-0000-4000-8000-000000000002',
      seq: 1,
      kind: 'message',
      sender: { id: '00000000-0000-4000-8000-000000000003', username: 'bob' },
      body: FAKE_CONTINUATION.replace('\n', '\r\n').replace('password', 'password\u2028'),
      envelope: null,
      target: null,
      clientMsgId: null,
      createdAt: '2026-11-25T10:00:00.000Z',
    });
    const [first, ...rest] = line.split('\n');
    expect(first).toMatch(/ {2}bob: hello$/);
    expect(rest.at(-1)).toMatch(/ #1$/);
    expect(rest).toHaveLength(2);
    for (const l of rest) expect(l).toMatch(/^ {18}\S/);
    expect(forbiddenIn(line)).toEqual([]);
  });

  it('prints a /me message as an action, live and in history, open and private', () => {
    const out = new Output(sink(), sink(), false, false);
    const waves: RoomEvent = {
      id: '00000000-0000-4000-8000-000000000005', roomId: '00000000-0000-4000-8000-000000000002', seq: 5, kind: 'message',
      sender: { id: '00000000-0000-4000-8000-000000000003', username: 'alice' }, body: '/me waves', envelope: null, target: null,
      clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z',
    };
    expect(out.event(waves)).toMatch(/ {2}\* alice waves #5$/);
    const { messages } = applyRelations([waves], 'someone', (e) => e.body ?? null);
    expect(out.messageView(messages[0] as MessageView)).toMatch(/ {2}\* alice waves #5$/);
    const sealed = { ...waves, body: null, envelope: {} as RoomEvent['envelope'] };
    expect(out.event(sealed, { status: 'ok', body: '/me waves', sentAt: 0 } as never)).toMatch(/ {2}\* alice waves #5$/);
    // Not an action: the text as typed.
    expect(out.event({ ...waves, body: '/meow' })).toMatch(/ {2}alice: \/meow #5$/);
  });

  it('gives each user a stable colour', () => {
    expect(senderStyle('Alice')).toBe(senderStyle('alice'));
  });

  it('shows a message of a relation type it does not know plainly, and leaves markdown as typed, live and in history', () => {
    const out = new Output(sink(), sink(), false, false);
    const future: RoomEvent = {
      id: '00000000-0000-4000-8000-000000000004', roomId: '00000000-0000-4000-8000-000000000002', seq: 4, kind: 'message',
      sender: { id: '00000000-0000-4000-8000-000000000003', username: 'alice' }, body: 'from the **future**', envelope: null, target: null,
      clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z', relation: { type: 'thread', eventId: '00000000-0000-4000-8000-000000000001', seq: 1 },
    };
    expect(out.event(future)).toMatch(/ {2}alice: from the \*\*future\*\* #4$/);
    const { messages } = applyRelations([future], 'someone', (e) => e.body ?? null);
    expect(messages).toHaveLength(1);
    expect(out.messageView(messages[0] as MessageView)).toMatch(/ {2}alice: from the \*\*future\*\* #4$/);
  });

  // On a device without the key, the quote said "[not loaded]" while its target, on the page, said why.
  it('labels a reply quote whose target did not open as the target is labelled', () => {
    const out = new Output(sink(), sink(), false, false);
    const envelope = {} as RoomEvent['envelope'];
    const target: RoomEvent = {
      id: '00000000-0000-4000-8000-000000000005', roomId: '00000000-0000-4000-8000-000000000002', seq: 5, kind: 'message',
      sender: { id: '00000000-0000-4000-8000-000000000003', username: 'alice' }, body: null, envelope, target: null,
      clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z',
    };
    const reply: RoomEvent = { ...target, id: '00000000-0000-4000-8000-000000000006', seq: 6, relation: { type: 'reply', eventId: target.id, seq: 5 } };
    const closed = { status: 'before_device' } as const;
    const { byId } = applyRelations([target, reply], 'someone', (e) => (e.id === reply.id ? 'yes' : null));
    const notice = '[sent before this device signed in: restoring your key backup brings it here]';
    expect(out.messageView(byId.get(target.id) as MessageView, closed)).toContain(`alice: ${notice}`);
    const quoted = out.messageView(byId.get(reply.id) as MessageView, { status: 'ok', body: 'yes', sentAt: 0 }, closed).split('\n')[0];
    expect(quoted).toContain(`┌ reply to #5 alice: ${notice}`);
  });
  it('shows a bare CR in a reply quote as ^M, as message lines do, not as a space', () => {
    const out = new Output(sink(), sink(), false, false);
    const target: RoomEvent = {
      id: '00000000-0000-4000-8000-000000000005', roomId: '00000000-0000-4000-8000-000000000002', seq: 5, kind: 'message',
      sender: { id: '00000000-0000-4000-8000-000000000003', username: 'alice' }, body: 'pay bob\rpay eve', envelope: null, target: null,
      clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z',
    };
    const reply: RoomEvent = { ...target, id: '00000000-0000-4000-8000-000000000006', seq: 6, body: 'done', relation: { type: 'reply', eventId: target.id, seq: 5 } };
    const { byId } = applyRelations([target, reply], 'someone', (e) => e.body);
    expect(out.messageView(byId.get(reply.id) as MessageView).split('\n')[0]).toContain('┌ reply to #5 alice: pay bob^Mpay eve');
  });
});

describe('Output.messageView: a private message whose edit did not open', () => {
  // The original text was printed as if it were current, while the TUI said the edit was not open yet.
  it('says the message was edited and its new text is not open yet, never the replaced text', () => {
    const out = new Output(sink(), sink(), false, false);
    const envelope = {} as RoomEvent['envelope'];
    const original: RoomEvent = {
      id: '00000000-0000-4000-8000-000000000005', roomId: '00000000-0000-4000-8000-000000000002', seq: 5, kind: 'message',
      sender: { id: '00000000-0000-4000-8000-000000000003', username: 'alice' }, body: null, envelope, target: null,
      clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z',
    };
    const edit: RoomEvent = { ...original, id: '00000000-0000-4000-8000-000000000006', seq: 6, relation: { type: 'edit', eventId: original.id, seq: 5 } };
    for (const body of ['meet at noon', '/me waves']) {
      const openedOriginal = { status: 'ok', body, sentAt: 0 } as const;
      const { byId } = applyRelations([original, edit], 'someone', (e) => (e.id === original.id ? body : null));
      const line = out.messageView(byId.get(original.id) as MessageView, openedOriginal);
      expect(line).toMatch(/ {2}alice: \[edited: the new text is not open yet\] \(edited\) #5$/);
      expect(line).not.toContain(body.replace('/me ', ''));
    }
  });

  it('says what the message itself says when its own text did not open either', () => {
    const out = new Output(sink(), sink(), false, false);
    const original: RoomEvent = {
      id: '00000000-0000-4000-8000-000000000005', roomId: '00000000-0000-4000-8000-000000000002', seq: 5, kind: 'message',
      sender: { id: '00000000-0000-4000-8000-000000000003', username: 'alice' }, body: null, envelope: {} as RoomEvent['envelope'], target: null,
      clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z',
    };
    const edit: RoomEvent = { ...original, id: '00000000-0000-4000-8000-000000000006', seq: 6, relation: { type: 'edit', eventId: original.id, seq: 5 } };
    const { byId } = applyRelations([original, edit], 'someone', () => null);
    expect(out.messageView(byId.get(original.id) as MessageView, { status: 'before_join' })).toMatch(/ {2}alice: \[sent before you joined\] \(edited\) #5$/);
  });
});
