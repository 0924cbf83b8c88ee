import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { SearchHit } from '../../../shared/protocol/index.js';
import { matchText, parseQuery, snippetAround } from '../../../shared/search/index.js';
import stringWidth from 'string-width';
import { THEMES } from '../state/theme.js';
import { ResultsPanel, snippetToFit } from './results-panel.js';

/** A hit in a tall message of lines "line N of the big message", its snippet made as the server makes it. */
function bigMessageHit(query: string): SearchHit {
  const body = Array.from({ length: 300 }, (_, i) => `line ${i + 1} of the big message, which says rather more than a line should`).join('\n');
  const ranges = matchText(body, parseQuery(query), { language: 'all' })?.ranges ?? [];
  return {
    roomId: '3f1c8a2e-8b7d-4c4f-9a36-2d4f5b6a7c8d', roomName: 'general', eventId: '00000000-0000-4000-8000-000000000001', seq: 1,
    sender: { id: 'b', username: 'bob' }, createdAt: '2026-11-30T09:00:00.000Z', score: 1, snippet: snippetAround(body, ranges),
  };
}

describe('ResultsPanel: a search hit', () => {
  // The TUI cut the server's 160-character snippet at the panel's edge, before the match ("…line 198 of the b…").
  it('shows the matched words inside the row, however narrow the panel, cut by chat search\'s rule', () => {
    const hit = bigMessageHit('"line 199"');
    expect(hit.snippet.highlights.length).toBe(1);
    for (const width of [40, 60, 80]) {
      const { lastFrame, unmount } = render(
        // The app gives the panel the screen's width, as here.
        <Box width={width}>
          <ResultsPanel panel={{ kind: 'search', query: '"line 199"', status: 'done', hits: [hit], selected: 0, note: null }} theme={THEMES.dark} maxLines={4} width={width} />
        </Box>,
      );
      const lines = (lastFrame() ?? '').split('\n');
      // The snippet's row: the one under the hit's "› #general  bob" row.
      const row = lines[lines.findIndex((l) => l.includes('#general')) + 1];
      expect(row, `width ${width}`).toContain('line 199');
      unmount();
    }
  });

  it('keeps the highlight on the matched words when it cuts the snippet to fit', () => {
    const fitted = snippetToFit(bigMessageHit('"line 199"').snippet, 34);
    expect(fitted.text.length).toBeLessThanOrEqual(36);
    expect(fitted.highlights.map(([s, e]) => fitted.text.slice(s, e))).toEqual(['line 199']);
  });

  // Wide characters (CJK, emoji) were counted as one column when the snippet was cut: a row of them
  // came out up to twice the panel's width, and Ink clipped its end (the closing "…" and any match there).
  it('cuts a snippet of wide characters (CJK, emoji) by terminal columns, keeping the match and the closing "…"', () => {
    const body = `${'会議の議事録を共有します。'.repeat(4)}明日の締切 🚀🚀 について${'確認してください。'.repeat(6)}`;
    const at = body.indexOf('締切');
    const snippet = snippetAround(body, [[at, at + 2]]);
    for (const width of [20, 34, 50]) {
      const fitted = snippetToFit(snippet, width);
      expect(stringWidth(fitted.text), `width ${width}`).toBeLessThanOrEqual(width);
      expect(fitted.text.endsWith('…'), `width ${width}`).toBe(true);
      expect(fitted.highlights.map(([s, e]) => fitted.text.slice(s, e))).toEqual(['締切']);
      // No emoji cut in half (a lone surrogate).
      expect(fitted.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    // A row of emoji, cut at every offset: never half of one.
    for (let pad = 0; pad < 4; pad++) {
      const rockets = `${'x'.repeat(pad)}${'🚀'.repeat(60)} match ${'🚀'.repeat(60)}`;
      const m = rockets.indexOf('match');
      for (const width of [20, 21, 30, 31]) {
        const fitted = snippetToFit({ text: rockets, highlights: [[m, m + 5]] }, width);
        expect(fitted.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        expect(fitted.highlights.map(([s, e]) => fitted.text.slice(s, e))).toEqual(['match']);
      }
    }
    const { lastFrame, unmount } = render(
      <Box width={40}>
        <ResultsPanel panel={{ kind: 'search', query: '締切', status: 'done', hits: [{ ...bigMessageHit('line'), snippet }], selected: 0, note: null }} theme={THEMES.dark} maxLines={4} width={40} />
      </Box>,
    );
    const lines = (lastFrame() ?? '').split('\n');
    const row = lines[lines.findIndex((l) => l.includes('#general')) + 1] ?? '';
    expect(row).toContain('締切');
    expect(row).toMatch(/…\s*│$/);
    unmount();
  });

  // The snippet was cut back to a space: a CJK run without spaces was dropped whole, and at 73–80
  // columns "…検索テスト 絵文字 🎉🎉🎉 banana…" took about 34 of some 70 columns.
  it('fills the row with a snippet of CJK runs, cutting inside a run by columns, at any width', () => {
    const body = `これは日本語の長いメッセージで検索テスト 絵文字 🎉🎉🎉 banana split は美味しいですねそれから会議の議事録を共有します${'明日の締切について確認してください'.repeat(3)}`;
    const at = body.indexOf('banana');
    const snippet = snippetAround(body, [[at, at + 6]]);
    for (const width of [20, 33, 34, 50, 71, 78]) {
      const fitted = snippetToFit(snippet, width);
      expect(stringWidth(fitted.text), `width ${width}: ${fitted.text}`).toBeLessThanOrEqual(width);
      expect(stringWidth(fitted.text), `width ${width}: ${fitted.text}`).toBeGreaterThanOrEqual(width - 2);
      expect(fitted.highlights.map(([s, e]) => fitted.text.slice(s, e))).toEqual(['banana']);
      expect(fitted.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });
});
