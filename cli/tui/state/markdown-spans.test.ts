import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../../shared/client/index.js';
import type { RoomEvent } from '../../../shared/protocol/index.js';
import { markdownLines } from './markdown-spans.js';
import type { Span } from './styled-wrap.js';
import { layoutRow } from './timeline-layout.js';

const rows = (text: string) => markdownLines(text, 'alice').map((l) => [...l.lead, ...l.text].map((s) => s.text).join(''));
const spans = (text: string): Span[] => markdownLines(text, 'alice').flatMap((l) => [...l.lead, ...l.text]);
const find = (text: string, piece: string) => spans(text).find((s) => s.text === piece);

describe('markdownLines', () => {
  it('styles bold, italic, strikethrough and inline code, and drops their marks', () => {
    expect(rows('**bold** _it_ ~~gone~~ `x = 1`')).toEqual(['bold it gone x = 1']);
    expect(find('**bold**', 'bold')).toMatchObject({ tone: 'plain', bold: true });
    expect(find('_it_', 'it')).toMatchObject({ italic: true });
    expect(find('~~gone~~', 'gone')).toMatchObject({ strike: true });
    expect(find('`x = 1`', 'x = 1')).toMatchObject({ tone: 'code' });
    expect(find('***both***', 'both')).toMatchObject({ bold: true, italic: true });
  });

  it('shows a link as its text then its target, an autolink once, and a refused target as plain text', () => {
    expect(rows('see [the docs](https://example.com/docs) now')).toEqual(['see the docs <https://example.com/docs> now']);
    expect(find('[the docs](https://example.com/docs)', 'the docs')).toMatchObject({ tone: 'link' });
    expect(rows('at https://example.com/a ok')).toEqual(['at https://example.com/a ok']);
    // Bare domains are links (the web's rule, shared/text/links.ts), shown once; file names are not.
    expect(rows('see example.com and docs.example.org/path')).toEqual(['see example.com and docs.example.org/path']);
    expect(find('see example.com', 'example.com')).toMatchObject({ tone: 'link' });
    expect(find('see file.txt', 'see file.txt')).toMatchObject({ tone: 'plain' });
    expect(rows('[click](javascript:alert(1))')).toEqual(['click']);
    expect(find('[click](javascript:alert(1))', 'click')).toMatchObject({ tone: 'plain' });
  });

  it('puts code block lines under a bar, quotes under another, list items under their bullets', () => {
    expect(rows('```\nif (a) {\n  b();\n}\n```')).toEqual(['│ if (a) {', '│   b();', '│ }']);
    expect(find('```\nfoo\n```', 'foo')).toMatchObject({ tone: 'code' });
    expect(rows('> quoted **text**\n\nafter')).toEqual(['┃ quoted text', 'after']);
    expect(rows('- one\n- two')).toEqual(['• one', '• two']);
    expect(rows('3. three\n4. four')).toEqual(['3. three', '4. four']);
    const item = markdownLines('- one', 'alice')[0];
    expect(item?.hang.map((s) => s.text).join('')).toBe('  ');
  });

  it('picks out only this user as a mention, not in code, and keeps raw HTML and escapes as harmless text', () => {
    expect(find('hi @Alice', '@Alice')).toMatchObject({ tone: 'mention' });
    expect(find('hi @bob', '@bob')).toMatchObject({ tone: 'plain' });
    expect(spans('`@alice`').some((s) => s.tone === 'mention')).toBe(false);
    expect(rows('<b>hi</b>')).toEqual(['<b>hi</b>']);
    expect(rows('red \u001b[31m **bold\u001b]8;;x\u0007**').join('')).not.toContain('\u001b');
    expect(rows('```\n\u001b[2J\n```')).toEqual(['│ ^[[2J']);
  });
});

describe('a formatted message in the timeline', () => {
  const event = (body: string): RoomEvent => ({
    id: '00000000-0000-4000-8000-000000000001', roomId: 'r', seq: 1, kind: 'message', sender: { id: 'b', username: 'bob' }, body,
    envelope: null, target: null, clientMsgId: null, createdAt: '2026-11-25T10:00:00.000Z',
  });
  const layout = (body: string, width: number, view?: MessageView) =>
    layoutRow({ kind: 'event', key: 'e', event: event(body), ...(view ? { view } : {}) }, { width, me: 'alice', textOf: () => body, time: (iso) => iso.slice(11, 16) }).map((l) => l.spans.map((s) => s.text).join(''));

  it('wraps a quote and a list item with the bar or the indent on every row, under the text column', () => {
    expect(layout('> one two three four', 24)).toEqual(['10:00 bob: ┃ one two', '           ┃ three four']);
    expect(layout('- one two three four', 24)).toEqual(['10:00 bob: • one two', '             three four']);
  });

  it('shows a message of a relation type it does not know plainly, as its own message', () => {
    const e = { ...event('from the **future**'), relation: { type: 'thread', eventId: 'x', seq: 1 } };
    const view: MessageView = { event: e, text: 'from the **future**', edited: false, deleted: false, reactions: [], replyTo: null, unknownRelation: 'thread' };
    const lines = layoutRow({ kind: 'event', key: 'e', event: e, view }, { width: 80, me: 'alice', textOf: () => 'from the **future**', time: (iso) => iso.slice(11, 16) });
    expect(lines.map((l) => l.spans.map((s) => s.text).join(''))).toEqual(['10:00 bob: from the future']);
  });
});
