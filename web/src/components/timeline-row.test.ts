import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { MessageView, Opened } from '../../../shared/client/index.js';
import { applyRelations, openedNotice } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { TimelineRowBody } from './timeline.js';

const event = (body: string): RoomEvent => ({
  id: '00000000-0000-4000-8000-000000000001', roomId: '00000000-0000-4000-8000-000000000002', seq: 1, kind: 'message',
  sender: { id: '00000000-0000-4000-8000-000000000003', username: 'alice' }, body, envelope: null, target: null, clientMsgId: null,
  createdAt: '2026-11-25T10:00:00.000Z',
});
const view = (e: RoomEvent): MessageView => ({ event: e, text: e.body, edited: false, deleted: false, reactions: [], replyTo: null, unknownRelation: null });
/** The row's text as a reader gets it, tags stripped. */
const render = (e: RoomEvent, withView: boolean) =>
  renderToStaticMarkup(createElement(TimelineRowBody, { item: { kind: 'event', key: 'k', event: e, grouped: false, ...(withView ? { view: view(e) } : {}) }, context: { opened: new Map(), me: 'bob' } }))
    .replace(/<time[^>]*>.*?<\/time>/, '')
    .replace(/<[^>]+>/g, '');

describe('TimelineRowBody', () => {
  it('draws a /me message as an action, `* alice waves`, as the TUI and chat read do', () => {
    for (const withView of [true, false]) {
      expect(render(event('/me waves'), withView)).toBe('* alice waves');
      expect(render(event('hello'), withView)).toBe('alice: hello');
      expect(render(event('/meow'), withView)).toBe('alice: /meow');
    }
  });
});

describe('TimelineRowBody: the quote of a reply whose target did not open', () => {
  // On a device without the key, the quote said "message not loaded" while its target, on screen, said why.
  it('labels the quote as its target is labelled', () => {
    const envelope = {} as RoomEvent['envelope'];
    const target: RoomEvent = { ...event('x'), body: null, envelope };
    const reply: RoomEvent = { ...event('x'), id: '00000000-0000-4000-8000-000000000009', seq: 2, body: null, envelope, relation: { type: 'reply', eventId: target.id, seq: 1 } };
    const opened = new Map<string, Opened>([[target.id, { status: 'before_device' }], [reply.id, { status: 'ok', body: 'yes', sentAt: 0 }]]);
    const { byId } = applyRelations([target, reply], 'bob-id', (e) => {
      const o = opened.get(e.id);
      return o?.status === 'ok' ? o.body : null;
    });
    const row = (e: RoomEvent) =>
      renderToStaticMarkup(createElement(TimelineRowBody, { item: { kind: 'event', key: e.id, event: e, grouped: false, view: byId.get(e.id) }, context: { opened, me: 'bob' } }))
        .replace(/<time[^>]*>.*?<\/time>/, '')
        .replace(/<[^>]+>/g, '');
    const label = openedNotice({ status: 'before_device' });
    expect(row(target)).toBe(`alice: ${label}`);
    expect(row(reply)).toBe(`↪Reply to alice: alice${label}alice: yes`);
  });
});

describe('TimelineRowBody: a private message whose edit did not open', () => {
  // The row showed the original text, as if it were current, while the TUI said the edit was not open yet.
  it('says the message was edited and its new text is not open yet, never the replaced text', () => {
    const envelope = {} as RoomEvent['envelope'];
    const original: RoomEvent = { ...event('x'), body: null, envelope };
    const edit: RoomEvent = { ...original, id: '00000000-0000-4000-8000-000000000009', seq: 2, relation: { type: 'edit', eventId: original.id, seq: 1 } };
    const opened = new Map<string, Opened>([[original.id, { status: 'ok', body: 'meet at noon', sentAt: 0 }], [edit.id, { status: 'waiting' }]]);
    const { byId } = applyRelations([original, edit], 'bob-id', (e) => {
      const o = opened.get(e.id);
      return o?.status === 'ok' ? o.body : null;
    });
    const row = renderToStaticMarkup(createElement(TimelineRowBody, { item: { kind: 'event', key: original.id, event: original, grouped: false, view: byId.get(original.id) }, context: { opened, me: 'bob' } }))
      .replace(/<time[^>]*>.*?<\/time>/, '')
      .replace(/<[^>]+>/g, '');
    expect(row).toBe('alice: edited: the new text is not open yet(edited)');
  });
});
