import { describe, expect, it } from 'vitest';
import type { TimelineRow } from './timeline-rows.js';
import { layoutTimeline } from './timeline-layout.js';
import { matchedRow, matchedWords } from './search-jump.js';

describe('matchedRow', () => {
  // Enter on a search hit in a tall message showed the message's top; the matched line was far below.
  it('finds the row of a tall message that shows the matched words', () => {
    const body = Array.from({ length: 300 }, (_, i) => `line ${i + 1} of the big message`).join('\n');
    const id = '00000000-0000-4000-8000-000000000001';
    const rows: TimelineRow[] = [{ kind: 'event', key: `e:${id}`, event: { id, roomId: id, seq: 1, kind: 'message', sender: { id: 'b', username: 'bob' }, body, envelope: null, target: null, clientMsgId: null, createdAt: '2026-11-30T09:00:00.000Z' } }];
    const layout = layoutTimeline(rows, { width: 60, textOf: () => body, me: 'alice', time: () => '09:00' });
    const start = layout.startOf.get(`e:${id}`) as number;
    const at = matchedRow(layout.lines, start, `e:${id}`, 'line 199');
    expect(layout.lines[at]?.spans.map((s) => s.text).join('')).toContain('line 199 of the big message');
    expect(at - start).toBeGreaterThan(100);
    expect(matchedRow(layout.lines, start, `e:${id}`, 'nowhere')).toBe(start);
  });

  it('takes the words of the first highlight', () => {
    expect(matchedWords({ text: '…says line 199 of', highlights: [[6, 14]] })).toBe('line 199');
    expect(matchedWords({ text: 'plain', highlights: [] })).toBeNull();
  });
});
