import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { analyze, summarizeOffline, topicsOf } from './index.js';
import { TEAM_CONVERSATION } from './testdata/team-conversation.js';

describe('the offline summarizer on a team conversation', () => {
  it('finds the topics a reader would name', () => {
    const labels = topicsOf(TEAM_CONVERSATION, 5).map((t) => t.label);
    expect(labels.slice(0, 3)).toEqual(expect.arrayContaining(['migration', 'release']));
    expect(labels.join(' ')).toMatch(/orders table|orders/);
    expect(labels).not.toContain('game');
    expect(labels).not.toContain('lunch');
  });

  it('names topics as written: accents and Japanese voicing marks stay (folding is only for matching)', () => {
    const at = '2026-11-30T03:00:00.000Z';
    const lines = ['日本語のメッセージ test', 'the café opens', '日本語のメッセージ again', 'café later', 'Café tomorrow'].map((text, i) => ({ sender: i % 2 ? 'bob' : 'alice', text, at }));
    const labels = topicsOf(lines, 8).map((t) => t.label);
    expect(labels).toContain('café');
    expect(labels.join(' ')).toContain('日本語のメッセージ');
    expect(labels.join(' ')).not.toContain('メッセーシ');
    expect(labels).not.toContain('cafe');
  });

  it('picks the key sentences, not the small talk', () => {
    const { text } = summarizeOffline(TEAM_CONVERSATION, 'general');
    expect(text).toMatch(/batched migration/);
    expect(text).not.toMatch(/game|Lunch|what a finish/);
    expect(text.split('\n')[0]).toBe(
      '22 messages from alice, bob, carol and dave, 2026-11-20 09:00 to 10:03 UTC, mostly about migration, release and orders table.',
    );
  });

  it('analyses the participants: counts, shares, main points and topics', () => {
    const { participants } = analyze(TEAM_CONVERSATION);
    const bob = participants.find((p) => p.username === 'bob');
    expect(bob?.messages).toBe(5);
    expect(participants.map((p) => p.messages).reduce((a, b) => a + b, 0)).toBe(22);
    expect(participants.reduce((sum, p) => sum + p.share, 0)).toBeCloseTo(1, 5);
    expect(bob?.mainPoints.join(' ')).toMatch(/migration/);
    expect(bob?.topics).toContain('migration');
    const dave = participants.find((p) => p.username === 'dave');
    expect(dave?.topics).toEqual(expect.arrayContaining(['invoice export']));
  });

  it('lays out every type', () => {
    const bullets = summarizeOffline(TEAM_CONVERSATION, 'bullets').text.split('\n').filter((l) => l.startsWith('• '));
    expect(bullets.length).toBe(6);
    const detailed = summarizeOffline(TEAM_CONVERSATION, 'detailed').text;
    expect(detailed).toMatch(/^\[\d\d:\d\d\] \w+: /m);
    expect(detailed.split('\n').filter((l) => /^\[\d\d:\d\d\] /.test(l))).toHaveLength(10);
    const topics = summarizeOffline(TEAM_CONVERSATION, 'topics').text.split('\n').slice(2);
    expect(topics[0]).toMatch(/^migration \(\d+ messages by .*\) — \w+: .*migration/);
  });

  it('quotes a long message in part on one line, cut to the columns with an ellipsis, in every type; short ones whole', () => {
    const at = '2026-11-30T03:00:00.000Z';
    const long = `the migration needs ${'a batched copy of the orders table and a check of every row, '.repeat(10)}then the release`;
    const lines = [
      { sender: 'alice', text: 'the migration is next', at },
      { sender: 'bob', text: long, at },
      { sender: 'carol', text: 'the release waits for the migration', at },
    ];
    for (const type of ['general', 'detailed', 'bullets', 'topics'] as const) {
      const body = summarizeOffline(lines, type, 72).text.split('\n').slice(2);
      // A topic's long heading leaves its quote 24 columns however narrow the line.
      for (const line of body) expect(stringWidth(line)).toBeLessThanOrEqual(type === 'topics' ? Math.max(72, stringWidth(line.split(': ')[0] ?? '') + 2 + 24) : 72);
      expect(body.join('\n')).not.toContain('then the release');
      expect(body.join('\n')).toMatch(/bob: the migration needs a batched.*…$/m);
    }
    const bullets = summarizeOffline(lines, 'bullets', 72).text.split('\n');
    expect(bullets).toContain('• carol: the release waits for the migration');
    expect(bullets.find((l) => l.startsWith('• bob: '))).toMatch(/^• bob: the migration needs a batched copy .*…$/);
    // Without columns: 100.
    for (const line of summarizeOffline(lines, 'bullets').text.split('\n').slice(2)) expect(stringWidth(line)).toBeLessThanOrEqual(100);
  });

  it('says so when there is nothing', () => {
    expect(summarizeOffline([], 'general').text).toBe('There are no messages to summarize.');
  });
});
