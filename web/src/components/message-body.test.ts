import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { MessageBody, reactionLabel, ReplyQuoteButton } from './message-body.js';

const event = { id: '00000000-0000-4000-8000-000000000001', seq: 1, kind: 'message', sender: { id: 'b', username: 'bob' } } as RoomEvent;
const view = (fields: Partial<MessageView>): MessageView => ({ event, text: 'hi', edited: false, deleted: false, reactions: [], replyTo: null, unknownRelation: null, ...fields });
const render = (v: MessageView) => renderToStaticMarkup(createElement(MessageBody, { view: v, me: 'alice', unreadable: 'decrypting…' }));

describe('MessageBody', () => {
  it('shows the latest text formatted, "(edited)", and reactions as toggle chips named with who gave them', () => {
    const html = render(view({ text: '**new** text', edited: true, reactions: [{ key: '👍', count: 2, mineSeq: 7, senders: ['bob', 'alice'] }, { key: '🎉', count: 1, mineSeq: null, senders: ['bob'] }] }));
    expect(html).toContain('<strong><bdi>new</bdi></strong>');
    expect(html).toContain('(edited)');
    expect(html).toMatch(/<button[^>]*aria-pressed="true"[^>]*aria-label="👍 2: bob, you" title="👍 2: bob, you"/);
    expect(html).toMatch(/<button[^>]*aria-pressed="false"[^>]*aria-label="🎉 1: bob"/);
  });

  it('leaves a tombstone for a deleted message, with neither its text, "(edited)" nor reactions', () => {
    const html = render(view({ text: null, deleted: true, edited: true, reactions: [{ key: '👍', count: 1, mineSeq: null, senders: ['bob'] }] }));
    expect(html).toContain('message deleted');
    expect(html).not.toContain('(edited)');
    expect(html).not.toContain('👍');
  });

  it('says why a message cannot be read yet', () => {
    expect(render(view({ text: null }))).toContain('decrypting…');
  });

  it('quotes a reply\'s target as plain text on one line, and a deleted one as deleted', () => {
    const quote = renderToStaticMarkup(createElement(ReplyQuoteButton, { quote: { seq: 1, eventId: event.id, sender: 'bob', text: '**bold**\n\nsecond', deleted: false } }));
    expect(quote).toContain('<bdi>bold second</bdi>');
    expect(quote).toContain('<span class="sr-only"><bdi>Reply to bob: </bdi></span>');
    const gone = renderToStaticMarkup(createElement(ReplyQuoteButton, { quote: { seq: 1, eventId: event.id, sender: 'bob', text: null, deleted: true } }));
    expect(gone).toContain('message deleted');
  });

  it('shows a bare CR in a quote as ^M, as the message itself does, not as a space', () => {
    const quote = renderToStaticMarkup(createElement(ReplyQuoteButton, { quote: { seq: 1, eventId: event.id, sender: 'bob', text: 'pay bob\rpay eve', deleted: false } }));
    expect(quote).toContain('pay bob^Mpay eve');
  });

  it('neutralizes a hostile reaction key in its label', () => {
    expect(reactionLabel({ key: '\u202e', count: 1, mineSeq: null, senders: ['x\u001b'] }, 'alice')).toBe('⟨U+202E⟩ 1: x^[');
  });
});
